import { randomBytes, randomInt } from 'node:crypto';
import { Types } from 'mongoose';

/**
 * The id type of stored documents. Services and DTO mappers use it through this module, so that
 * only the persistence layer depends on Mongoose.
 */
export type ObjectId = Types.ObjectId;

export function newObjectId(): ObjectId {
  return new Types.ObjectId();
}

const PROCESS_BYTES = randomBytes(3);
let counter = randomInt(0x1000000);

/**
 * An object id ordered by the millisecond it was made in, also across instances: seconds, then
 * milliseconds, then this process's random bytes and a counter. A plain one orders the ids of one
 * second by the process that made them, not by when; audit events (and the webhook events made of
 * them) are listed and delivered in id order as the order they happened.
 */
export function timeOrderedObjectId(now = Date.now()): ObjectId {
  const bytes = Buffer.alloc(12);
  bytes.writeUInt32BE(Math.floor(now / 1000), 0);
  bytes.writeUInt16BE(now % 1000, 4);
  PROCESS_BYTES.copy(bytes, 6);
  counter = (counter + 1) % 0x1000000;
  bytes.writeUIntBE(counter, 9, 3);
  return new Types.ObjectId(bytes);
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
