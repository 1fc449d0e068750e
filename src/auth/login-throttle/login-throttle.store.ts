/** Where a recorded failure's two slots stand after trying to record it. */
export type RecordOutcome = 'recorded' | 'email-slot-taken' | 'address-slot-taken';

/**
 * Recorded login failures. Each is one document holding two slots: its email's (`<key>|<window>|<n>`,
 * the `_id`) and its client address's (`address_slot`, unique too). Recording is one insert that
 * fails when either slot is taken, so of any number of instances exactly one gets each slot, with no
 * read-then-write and no counter update.
 */
export abstract class LoginThrottleStore {
  /** Records a failure in these two slots until `expiresAt`, unless one of them is taken already. */
  abstract record(emailSlot: string, addressSlot: string, expiresAt: Date): Promise<RecordOutcome>;

  /** Whether a failure holds this email slot. */
  abstract holdsEmailSlot(emailSlot: string): Promise<boolean>;

  /** Removes the failures that expired at or before `now`; returns how many went. */
  abstract sweep(now: Date): Promise<number>;
}
