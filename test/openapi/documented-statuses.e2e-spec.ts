import { observedStatuses } from '../support/observed-statuses.js';
import { useTestApp } from '../support/session.js';

type Operation = { responses?: Record<string, unknown> };

/**
 * Documented statuses that only a race or a cutover in progress provokes, which the suites that
 * record here do not stage: each is the same rule another operation's test proves.
 */
const ONLY_IN_RACES = new Set([
  // OrganizationMigratingError mid-cutover: test/placement/moves proves it on single-record writes (RecordWrites, shared).
  'POST /org/records/batch -> 409',
  // An import batch that stayed refused by a rename or cutover for 30 s.
  'POST /org/import -> 409',
  // A membership made between the accept's read and its write (another accept of the same account).
  'POST /invitations/accept -> 409',
  // A revoke while an accept of the same invitation holds its lock.
  'DELETE /org/invitations/:id -> 409',
]);
type OpenApiDocument = { paths: Record<string, Record<string, Operation>> };

/**
 * The OpenAPI document against what the server really answered: every in-process app of this
 * Jest run records `METHOD /route -> status` (test/support/observed-statuses.ts), and this suite
 * runs last (test/support/sequencer.mjs). Every status an operation answered must be documented
 * for it; in a run of every e2e suite, every error status it documents must have been answered by
 * some suite too, so a documented status is one the tests have seen.
 */
describe('documented statuses (e2e)', () => {
  const t = useTestApp();

  const documented = async () => {
    const { body } = await t.http().get('/docs-json').expect(200);
    const operations = new Map<string, Set<number>>();
    for (const [path, methods] of Object.entries((body as OpenApiDocument).paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const route = path.replace(/\{(\w+)\}/g, ':$1');
        operations.set(`${method.toUpperCase()} ${route}`, new Set(Object.keys(operation.responses ?? {}).map(Number)));
      }
    }
    return operations;
  };

  it('every status an operation answered in this run is one it documents', async () => {
    const operations = await documented();
    const observed = observedStatuses();
    const undocumented: string[] = [];
    for (const [operation, statuses] of observed) {
      const known = operations.get(operation);
      // Routes outside the document: the documents themselves, HEAD and OPTIONS answers.
      if (!known) continue;
      for (const status of statuses) if (!known.has(status)) undocumented.push(`${operation} -> ${status}`);
    }
    expect(observed.size).toBeGreaterThan(0);
    expect(undocumented.sort()).toEqual([]);
  });

  if (process.env.TEST_ALL_E2E_SUITES === 'true') {
    it('every error status an operation documents was answered by some suite of this run', async () => {
      const operations = await documented();
      const observed = observedStatuses();
      const unseen: string[] = [];
      for (const [operation, statuses] of operations) {
        for (const status of statuses) {
          // 405 (`Allow`) and 503 (a database or cluster outage) are documented on every operation and proven
          // once for all, by the HTTP-conventions and the outage suites (processes, which record nothing here).
          if (Number.isNaN(status) || status < 400 || status === 405 || status === 503) continue;
          const entry = `${operation} -> ${status}`;
          if (!observed.get(operation)?.has(status) && !ONLY_IN_RACES.has(entry)) unseen.push(entry);
        }
      }
      expect(unseen.sort()).toEqual([]);
    });
  }
});
