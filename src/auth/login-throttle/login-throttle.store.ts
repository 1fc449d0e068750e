/**
 * Occupied login slots, each named by its `_id` (`<key>|<window>|<n>`). Occupying is an insert that
 * fails when the slot is taken, so of any number of concurrent attempts on any number of instances
 * exactly one gets each slot, with no read-then-write and no counter update.
 */
export abstract class LoginThrottleStore {
  /** Occupies slot `id` until `expiresAt`; false when it is occupied already. */
  abstract occupy(id: string, expiresAt: Date): Promise<boolean>;

  /** Frees slot `id` (a successful login gives its email slot back). */
  abstract release(id: string): Promise<void>;

  /** Removes the slots that expired at or before `now`; returns how many documents went. */
  abstract sweep(now: Date): Promise<number>;
}
