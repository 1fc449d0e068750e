export class RecordViewDto {
  id: string;
  /** The JSON object stored for the organization. */
  data: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

export class RecordPageDto {
  items: RecordViewDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}
