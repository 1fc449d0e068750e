import { AppConfig } from '../../src/config/app-config.js';
import { CRASH_POINTS, CrashPoint } from '../../src/common/faults/crash-points.js';
import { slugify } from '../../src/organizations/organization-name.js';
import { tenantCollectionName } from '../../src/tenants/tenant-collection-name.js';
import { DirectDatabases, openDatabases } from '../support/direct-db.js';
import { expectError } from '../support/expect-error.js';
import { FetchClient, fetchClient } from '../support/fetch-client.js';
import {
  idsIn,
  lifecycleProblems,
  LifecycleState,
  memberRows,
  readLifecycleState,
  seedRecords,
  waitFor,
  waitUntilSettled,
} from '../support/lifecycle-state.js';
import { ServiceProcess, startServiceProcess } from '../support/service-process.js';
import { createOrgWithTokenVia } from '../support/session.js';
import { dropDatabases, testEnvironment, uniqueOrg } from '../support/test-app.js';

/**
 * For every crash point: run the operation in a built service armed to SIGKILL itself at that
 * step, restart it without the point on the same databases, wait for the reconciler, and check
 * that the organization is fully in its old or its new state (read directly and through the API).
 */

type Operation = 'create' | 'rename' | 'delete';

interface Scenario {
  point: CrashPoint;
  /** A rename that also changes the admin's email and password (tokens must die with them). */
  withCredentials?: boolean;
  /** Which state the organization must end in: `new` means the operation completed. */
  outcome: 'old' | 'new';
}

const SCENARIOS: Scenario[] = [
  { point: 'create.after-claims', outcome: 'old' },
  { point: 'create.after-org-insert', outcome: 'old' },
  { point: 'create.after-member-insert', outcome: 'old' },
  { point: 'create.after-collection', outcome: 'old' },
  { point: 'create.after-ticket', outcome: 'old' },
  { point: 'rename.after-claims', outcome: 'old' },
  { point: 'rename.after-claims', withCredentials: true, outcome: 'old' },
  { point: 'rename.after-ticket', withCredentials: true, outcome: 'old' },
  { point: 'rename.after-transition', outcome: 'new' },
  { point: 'rename.after-transition', withCredentials: true, outcome: 'new' },
  { point: 'rename.after-move', outcome: 'new' },
  { point: 'rename.after-move', withCredentials: true, outcome: 'new' },
  { point: 'rename.after-credential-changes', outcome: 'new' },
  { point: 'rename.after-credential-changes', withCredentials: true, outcome: 'new' },
  { point: 'rename.after-finish', outcome: 'new' },
  { point: 'rename.after-finish', withCredentials: true, outcome: 'new' },
  { point: 'delete.after-transition', outcome: 'new' },
  { point: 'delete.after-drop', outcome: 'new' },
  { point: 'delete.after-members', outcome: 'new' },
];

/** Crash points inside accepting an invitation and removing a member (see the second describe). */
const MEMBER_SCENARIOS: CrashPoint[] = [
  'accept.after-claim',
  'accept.after-member',
  'remove-member.after-audit',
  'remove-member.after-delete',
];

const SEEDED_RECORDS = 300;
const NEW_PASSWORD = 'another-Strong-passphrase-7';

const operationOf = (point: CrashPoint) => point.slice(0, point.indexOf('.')) as Operation;

interface OrgUnderTest {
  id: string;
  input: ReturnType<typeof uniqueOrg>;
  token: string;
  collection: string;
  ids: string[];
}

async function createOrg(api: FetchClient, prefix: string): Promise<Omit<OrgUnderTest, 'ids'>> {
  const { org, token, input } = await createOrgWithTokenVia(api, uniqueOrg(prefix));
  return { id: org.id, input, token, collection: org.collection_name };
}

async function login(api: FetchClient, email: string, password: string): Promise<number> {
  return (await api.request('POST', '/admin/login', { body: { email, password } })).status;
}

/** The credentials open no organization: no account (401), or an account token of an account in none. */
async function expectNoOrganization(api: FetchClient, email: string, password: string): Promise<void> {
  const res = await api.request('POST', '/admin/login', { body: { email, password } });
  if (res.status === 401) return;
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ org_id: null, role: null, organizations: [] });
}

/** Reads every record of the token's organization through the API, page by page. */
async function idsThroughApi(api: FetchClient, token: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await api.request('GET', `/org/records?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { token });
    expect(page.status).toBe(200);
    ids.push(...page.body.items.map((item: { id: string }) => item.id));
    cursor = page.body.next_cursor;
  } while (cursor !== null);
  return ids.sort();
}

/** The organization answers reads and writes, and a write lands in `collection`. */
async function expectWorking(api: FetchClient, db: DirectDatabases, org: { token: string; ids: string[] }, collection: string) {
  expect(await idsThroughApi(api, org.token)).toEqual(org.ids);
  const stats = await api.request('GET', '/org/collection/stats', { token: org.token });
  expect(stats.body).toMatchObject({ collection_name: collection, documents: org.ids.length });
  const written = await api.request('POST', '/org/records', { token: org.token, body: { after: 'recovery' } });
  expect(written.status).toBe(201);
  expect(await db.tenant.collection(collection).countDocuments()).toBe(org.ids.length + 1);
  expect((await api.request('GET', `/org/records/${written.body.id}`, { token: org.token })).body.data).toEqual({ after: 'recovery' });
  expect((await api.request('DELETE', `/org/records/${written.body.id}`, { token: org.token })).status).toBe(204);
}

/** The organization with this name and email is gone without a trace, and both can be taken again. */
async function expectAbsent(api: FetchClient, db: DirectDatabases, state: LifecycleState, input: ReturnType<typeof uniqueOrg>) {
  const slug = slugify(input.organization_name);
  expect(state.organizations.map((org) => org.slug)).not.toContain(slug);
  expect(memberRows(state).map((member) => member.email)).not.toContain(input.email);
  expect(state.tenantCollections).not.toContain(tenantCollectionName(slug));
  expectError(await api.request('GET', `/org/get?organization_name=${encodeURIComponent(input.organization_name)}`), 404);
  await expectNoOrganization(api, input.email, input.password);
  const recreated = await api.request('POST', '/org/create', { body: input });
  expect(recreated.status).toBe(201);
  expect(await db.tenant.collection(tenantCollectionName(slug)).countDocuments()).toBe(0);
}

describe('crash-safe organization lifecycle (built service, killed at every crash point)', () => {
  it('has a scenario for every crash point', () => {
    // The move crash points have their own suite (test/placement/move-crash.e2e-spec.ts).
    const lifecyclePoints = CRASH_POINTS.filter((point) => !point.startsWith('move.'));
    expect(new Set([...SCENARIOS.map((scenario) => scenario.point), ...MEMBER_SCENARIOS])).toEqual(new Set(lifecyclePoints));
  });

  it.each(
    SCENARIOS.map(
      (scenario) => [`${scenario.point}${scenario.withCredentials ? ' with email and password change' : ''}`, scenario] as const,
    ),
  )(
    'recovers after a crash at %s',
    async (_title, { point, withCredentials = false, outcome }) => {
      const operation = operationOf(point);
      const env = testEnvironment({ LIFECYCLE_LEASE_SECONDS: '1', RECONCILE_INTERVAL_SECONDS: '1', LOG_LEVEL: 'warn' });
      const config = AppConfig.fromEnvironment(env);
      const db = await openDatabases(config);
      let service: ServiceProcess | undefined;
      try {
        // A create crash point would also fire while the fixtures are created: set them up unarmed.
        service = await startServiceProcess(operation === 'create' ? env : { ...env, TEST_CRASH_POINT: point });
        let api = fetchClient(service.baseUrl);
        const bystander = { ...(await createOrg(api, 'Bystander')), ids: [] as string[] };
        for (let i = 0; i < 3; i += 1) {
          bystander.ids.push((await api.request('POST', '/org/records', { token: bystander.token, body: { i } })).body.id);
        }
        bystander.ids.sort();
        const subject: OrgUnderTest | undefined = operation === 'create' ? undefined : { ...(await createOrg(api, 'Subject')), ids: [] };
        if (subject) subject.ids = await seedRecords(db, subject.collection, subject.id, SEEDED_RECORDS);
        if (operation === 'create') {
          await service.stop();
          service = await startServiceProcess({ ...env, TEST_CRASH_POINT: point });
          api = fetchClient(service.baseUrl);
        }

        const renamed = uniqueOrg('Renamed');
        const newCredentials = { email: renamed.email, password: NEW_PASSWORD };
        const newInput = uniqueOrg('Created');
        const request =
          operation === 'create'
            ? api.request('POST', '/org/create', { body: newInput })
            : operation === 'rename'
              ? api.request('PUT', '/org/update', {
                  token: subject!.token,
                  body: { organization_name: renamed.organization_name, ...(withCredentials ? newCredentials : {}) },
                })
              : api.request('DELETE', `/org/delete?organization_name=${encodeURIComponent(subject!.input.organization_name)}`, {
                  token: subject!.token,
                });
        await expect(request).rejects.toThrow();
        expect(await service.exited).toEqual({ code: null, signal: 'SIGKILL' });
        // The crash left something half-done for the reconciler to finish.
        expect(lifecycleProblems(await readLifecycleState(db))).not.toEqual([]);

        service = await startServiceProcess(env);
        api = fetchClient(service.baseUrl);
        const state = await waitUntilSettled(db);

        // The bystander organization is untouched.
        expect(state.organizations.find((org) => org._id.toHexString() === bystander.id)).toMatchObject({
          collection_name: bystander.collection,
          status: 'active',
        });
        expect(await idsIn(db, bystander.collection)).toEqual(bystander.ids);
        await expectWorking(api, db, bystander, bystander.collection);

        if (operation === 'create') {
          expect(state.organizations).toHaveLength(1);
          await expectAbsent(api, db, state, newInput);
          return;
        }
        if (operation === 'delete') {
          expect(state.organizations.map((org) => org._id.toHexString())).toEqual([bystander.id]);
          expect(state.tenantCollections).toEqual([bystander.collection]);
          expectError(await api.request('GET', '/org/records', { token: subject!.token }), 401);
          await expectAbsent(api, db, state, subject!.input);
          return;
        }

        const org = subject!;
        const stored = state.organizations.find((candidate) => candidate._id.toHexString() === org.id)!;
        const admin = memberRows(state).find((candidate) => candidate.org_id.equals(stored._id))!;
        const oldName = org.input.organization_name;
        const [name, other] = outcome === 'new' ? [renamed.organization_name, oldName] : [oldName, renamed.organization_name];
        const credentialsChanged = withCredentials && outcome === 'new';
        const collection = tenantCollectionName(slugify(name));
        expect(stored).toMatchObject({ name, slug: slugify(name), collection_name: collection, status: 'active' });
        expect(state.tenantCollections.sort()).toEqual([bystander.collection, collection].sort());
        expect(await idsIn(db, collection)).toEqual(org.ids);
        expect(admin).toMatchObject({
          email: credentialsChanged ? renamed.email : org.input.email,
          credential_version: credentialsChanged ? 2 : 1,
        });

        expect((await api.request('GET', `/org/get?organization_name=${encodeURIComponent(name)}`)).body).toMatchObject({
          id: org.id,
          collection_name: collection,
          status: 'active',
        });
        expectError(await api.request('GET', `/org/get?organization_name=${encodeURIComponent(other)}`), 404);

        const tokenBefore = await api.request('GET', '/org/records?limit=1', { token: org.token });
        if (credentialsChanged) {
          expectError(tokenBefore, 401);
          expect(await login(api, org.input.email, org.input.password)).toBe(401);
          expect(await login(api, renamed.email, org.input.password)).toBe(401);
        } else {
          expect(tokenBefore.status).toBe(200);
          if (withCredentials) expect(await login(api, renamed.email, NEW_PASSWORD)).toBe(401);
        }
        const email = credentialsChanged ? renamed.email : org.input.email;
        const password = credentialsChanged ? NEW_PASSWORD : org.input.password;
        const fresh = await api.request('POST', '/admin/login', { body: { email, password } });
        expect(fresh.status).toBe(200);
        await expectWorking(api, db, { token: fresh.body.access_token, ids: org.ids }, collection);
        if (outcome === 'old') {
          // Nothing the crashed rename took (name, email, transition ticket) blocks doing it again.
          const retried = await waitFor(
            async () => {
              const res = await api.request('PUT', '/org/update', {
                token: fresh.body.access_token,
                body: { organization_name: renamed.organization_name },
              });
              if (res.status === 409) expect(res.headers['retry-after']).toMatch(/^\d+$/);
              return res.status === 409 ? undefined : res;
            },
            () => 'the rename to be accepted again',
          );
          expect(retried.status).toBe(200);
          expect(await idsIn(db, tenantCollectionName(slugify(renamed.organization_name)))).toEqual(org.ids);
        }
      } finally {
        await service?.stop();
        await db.close();
        await dropDatabases(config);
      }
    },
    60_000,
  );
});

describe('crash-safe membership changes (built service, killed at every crash point)', () => {
  /** The audit events of one action for one target, read directly. */
  const eventsOf = (db: DirectDatabases, action: string, targetId: string) =>
    db.master.collection('audit_events').countDocuments({ action, 'target.id': targetId });

  it.each(MEMBER_SCENARIOS)(
    'recovers after a crash at %s',
    async (point) => {
      const env = testEnvironment({ LIFECYCLE_LEASE_SECONDS: '1', RECONCILE_INTERVAL_SECONDS: '1', LOG_LEVEL: 'warn' });
      const config = AppConfig.fromEnvironment(env);
      const db = await openDatabases(config);
      let service: ServiceProcess | undefined;
      try {
        service = await startServiceProcess({ ...env, TEST_CRASH_POINT: point });
        let api = fetchClient(service.baseUrl);
        const owner = await createOrg(api, 'Members');
        const invitee = uniqueOrg('Invitee');
        const invited = await api.request('POST', '/org/invitations', {
          token: owner.token,
          body: { email: invitee.email, role: 'member' },
        });
        expect(invited.status).toBe(201);
        const accept = () =>
          api.request('POST', '/invitations/accept', {
            body: { invitation_token: invited.body.invitation_token, password: invitee.password },
          });

        if (point.startsWith('accept.')) {
          await expect(accept()).rejects.toThrow();
        } else {
          const accepted = await accept();
          expect(accepted.status).toBe(201);
          await expect(api.request('DELETE', `/org/members/${accepted.body.member.id}`, { token: owner.token })).rejects.toThrow();
        }
        expect(await service.exited).toEqual({ code: null, signal: 'SIGKILL' });

        service = await startServiceProcess(env);
        api = fetchClient(service.baseUrl);
        const state = await waitUntilSettled(db);
        const member = memberRows(state).find((candidate) => candidate.email === invitee.email);
        const invitationId = invited.body.id as string;

        if (point === 'accept.after-claim') {
          // Never accepted: the email is free, the invitation still pending and usable.
          expect(member).toBeUndefined();
          expect(
            (await api.request('GET', '/org/invitations', { token: owner.token })).body.items.map((item: { id: string }) => item.id),
          ).toEqual([invitationId]);
          expect((await accept()).status).toBe(201);
          expect(await eventsOf(db, 'invitation.accepted', invitationId)).toBe(1);
          return;
        }
        if (point === 'accept.after-member') {
          // Accepted: recovery finished it, once; the token is used up.
          expect(member).toMatchObject({ role: 'member' });
          expect(await db.master.collection('invitations').countDocuments()).toBe(0);
          expect(await eventsOf(db, 'invitation.accepted', invitationId)).toBe(1);
          expect(await login(api, invitee.email, invitee.password)).toBe(200);
          expectError(await accept(), 404);
          return;
        }
        const memberId = invitationId;
        if (point === 'remove-member.after-audit') {
          // Not removed yet: a retry removes it and the event stays recorded once.
          expect(member).toBeDefined();
          expect((await api.request('DELETE', `/org/members/${memberId}`, { token: owner.token })).status).toBe(204);
        } else {
          expect(member).toBeUndefined();
        }
        const settled = await waitUntilSettled(db);
        expect(memberRows(settled).map((candidate) => candidate.email)).not.toContain(invitee.email);
        expect(await eventsOf(db, 'member.removed', memberId)).toBe(1);
        // The membership is gone; the account stays, in no organization.
        await expectNoOrganization(api, invitee.email, invitee.password);
        expect((await api.request('POST', '/org/create', { body: invitee })).status).toBe(201);
      } finally {
        await service?.stop();
        await db.close();
        await dropDatabases(config);
      }
    },
    60_000,
  );
});
