/** One page of a list in `_id` order, with the cursor of the next page (null on the last). */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/**
 * Turns the `limit + 1` documents a page query read into a page: the extra one only tells that
 * another page exists.
 */
export function toPage<D extends { _id: { toHexString(): string } }, T>(documents: D[], limit: number, view: (document: D) => T): Page<T> {
  const items = documents.slice(0, limit);
  return {
    items: items.map(view),
    next_cursor: documents.length > limit ? items[items.length - 1]._id.toHexString() : null,
  };
}
