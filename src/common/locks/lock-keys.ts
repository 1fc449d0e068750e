import type { ObjectId } from '../database/object-id.js';

/** The name of one lock. Built only here, so no two kinds of lock can collide and none is spelled twice. */
export type LockKey = string & { readonly __lockKey: never };

const lockKey = (name: string) => name as LockKey;
const INVITATION_ACCEPT = 'invitation:';

/** Locks held until released (transition tickets): a crash leaves one for the reconciler, which finishes what it names. */
export const ExclusiveKeys = {
  /** Leaving one lifecycle epoch of an organization: its renames, deletes, moves and their recovery contend for it. */
  organizationEpoch: (orgId: ObjectId, epoch: number) => lockKey(`${orgId.toHexString()}:${epoch}`),
  /** An organization's owners, while one of them is demoted or removed (the last-owner rule). */
  owners: (orgId: ObjectId) => lockKey(`owners:${orgId.toHexString()}`),
  /** Leaving one credential version of an account. */
  credentials: (accountId: ObjectId, version: number) => lockKey(`${accountId.toHexString()}:cv${version}`),
  /** Accepting (or revoking) one invitation. */
  invitationAccept: (invitationId: ObjectId) => lockKey(`${INVITATION_ACCEPT}${invitationId.toHexString()}`),
} as const;

/** The invitation a stale accept lock names (hex id); null for a lock of another kind. */
export function invitationOfAcceptKey(key: string): string | null {
  return key.startsWith(INVITATION_ACCEPT) ? key.slice(INVITATION_ACCEPT.length) : null;
}

/** Steps claimed once for good (a claim whose holder died may be taken over once it runs out). */
export const StepKeys = {
  /** One attempt (1, 2, ...) of one webhook delivery. */
  webhookAttempt: (deliveryId: string, attempt: number) => lockKey(`webhook-attempt:${deliveryId}#${attempt}`),
} as const;

/** Leases: held for a term and renewed by their holder, taken over once a term runs out (a crashed holder's). */
export const LeaseKeys = {
  reconciler: lockKey('lifecycle-reconciler'),
  move: (moveId: ObjectId) => lockKey(`move:${moveId.toHexString()}`),
  usageSlot: (slot: number) => lockKey(`usage-slot:${slot}`),
  webhookFanOut: lockKey('webhook-fan-out'),
} as const;
