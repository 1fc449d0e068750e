import { Types } from 'mongoose';

/**
 * The id type of stored documents. Services and DTO mappers use it through this module, so that
 * only the persistence layer depends on Mongoose.
 */
export type ObjectId = Types.ObjectId;

export function newObjectId(): ObjectId {
  return new Types.ObjectId();
}

export function toObjectId(hex: string): ObjectId {
  return new Types.ObjectId(hex);
}

/** A canonical (lower-case, 24 hex digits) object id. */
export function isObjectIdHex(value: string): boolean {
  return /^[0-9a-f]{24}$/.test(value) && Types.ObjectId.isValid(value);
}

/** The smallest object id of a moment: `{_id: {$lt: objectIdAt(t)}}` selects what was created before t. */
export function objectIdAt(moment: Date): ObjectId {
  return Types.ObjectId.createFromTime(Math.floor(moment.getTime() / 1000));
}
