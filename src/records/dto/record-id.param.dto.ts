import { IsMongoId } from 'class-validator';

export class RecordIdParamDto {
  /** 24-character hex record id. */
  @IsMongoId({ message: 'id must be a 24-character hex record id' })
  id: string;
}
