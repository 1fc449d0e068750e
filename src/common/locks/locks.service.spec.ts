import { InMemoryStepClaims, InMemoryTransitionTickets, inMemoryLocks } from '../testing/common.fakes.js';
import { ExclusiveKeys, StepKeys } from './lock-keys.js';
import { newObjectId } from '../database/object-id.js';

describe('Locks', () => {
  it('runs exclusive work for one caller at a time, and releases the lock after it, also after a throw', async () => {
    const tickets = new InMemoryTransitionTickets();
    const locks = inMemoryLocks(tickets);
    const key = ExclusiveKeys.owners(newObjectId());
    let release!: () => void;
    const first = locks.runExclusive(
      key,
      () => new Promise<string>((resolve) => (release = () => resolve('done'))),
      () => 'busy',
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(
      await locks.runExclusive(
        key,
        async () => 'second',
        () => 'busy',
      ),
    ).toBe('busy');
    release();
    expect(await first).toBe('done');
    await expect(
      locks.runExclusive(
        key,
        () => Promise.reject(new Error('boom')),
        () => 'busy',
      ),
    ).rejects.toThrow('boom');
    expect(tickets.tickets.size).toBe(0);
  });

  it('keeps the lock of work that failed when asked to, for the reconciler', async () => {
    const tickets = new InMemoryTransitionTickets();
    const locks = inMemoryLocks(tickets);
    const key = ExclusiveKeys.organizationEpoch(newObjectId(), 3);
    await expect(
      locks.runExclusive(
        key,
        () => Promise.reject(new Error('half done')),
        () => null,
        { keepOnError: true },
      ),
    ).rejects.toThrow();
    expect([...tickets.tickets.keys()]).toEqual([key]);
  });

  it('claims a step once for good, and lets a claim that ran out unfinished be taken over once', async () => {
    const steps = new InMemoryStepClaims();
    const locks = inMemoryLocks(undefined, undefined, steps);
    const step = StepKeys.webhookAttempt('delivery', 1);
    expect(await locks.claimStep(step, 'a', 20)).toBe(true);
    expect(await locks.claimStep(step, 'b', 20)).toBe(false);
    steps.claims.get(step)!.expiresAt = new Date(Date.now() - 1);
    const takeovers = await Promise.all([locks.claimStep(step, 'b', 20), locks.claimStep(step, 'c', 20)]);
    expect(takeovers.filter(Boolean)).toHaveLength(1);
  });
});
