// The organizations, members and credentials npm run bench's scenarios act as.
import mongoose from 'mongoose';
import { randomBytes } from 'node:crypto';
import { seedMember, seedOrganizations, signToken } from './seed.mjs';

const { ObjectId } = mongoose.mongo;

export const BENCH_PASSWORD = 'bench-correct-horse-battery';

/** Organizations of the small instance made through the API: the main one, the suspended one and the one out of quota. */
const API_ORGANIZATIONS = 3;

/** Creates `org` ({organization_name, email, password}) through the API and logs its owner in: the creation's answer and the token. */
export async function signUp(api, org) {
  const created = await api.callExpecting('POST', '/org/create', { body: org, expect: 201 });
  const { access_token: token } = await api.callExpecting('POST', '/admin/login', {
    body: { email: org.email, password: org.password },
    expect: 200,
  });
  return { created, token };
}

/**
 * Calls `method path` as `token` (with `body`) until it answers `status` with a body that
 * `matches`, for at most `seconds`: for a change written straight into the database, which the
 * service sees once what it remembers has expired.
 */
async function untilAnswered(api, method, path, { token, body, status, matches = () => true, seconds = 5 }) {
  const deadline = performance.now() + seconds * 1000;
  for (;;) {
    const answer = await api.call(method, path, { token, body });
    if (answer.status === status && matches(answer.body)) return;
    if (performance.now() > deadline)
      throw new Error(`${method} ${path}: still ${answer.status} ${JSON.stringify(answer.body)} after ${seconds} s, not ${status}`);
    await new Promise((wake) => setTimeout(wake, 100));
  }
}

/**
 * What the scenarios act on. On the small instance (`api`, its databases `small`): one
 * organization made through the API (`mainOrg`, answered as `created`, its owner's `mainToken`,
 * one `record`, a member-role `apiKey`); two more made the same way, one suspended
 * (`suspended`: its owner's `token` and its `record`) and one whose quota allows no document
 * (`outOfQuota`: its owner's `token`), both changed straight in its master database and waited for
 * until the service refuses them; `settings.smallOrgCount - 3` seeded ones (`smallOrgs`), a
 * viewer of the main organization (`viewerToken`) and a token of the viewer signed with a key the
 * service does not know (`foreignToken`). On the large instance's databases (`large`, when given):
 * `settings.largeOrgCount` seeded organizations (`largeOrgs`). `lookups` are the names GET /org/get
 * looks up on each; `tokenFor(member)` signs a token for a seeded member as the service would;
 * `seedSeconds` is how long seeding took, `seededOrganizations` how many it wrote. `jwt` is
 * `{secret, issuer, audience}`.
 */
export async function prepareFixtures({ api, small, large, naming, jwt, settings, log }) {
  const tokenFor = ({ memberId, orgId, membershipId }, secret = jwt.secret) =>
    signToken({ naming, secret, issuer: jwt.issuer, audience: jwt.audience, memberId, orgId, membershipId });

  const mainOrg = { organization_name: 'Bench Main', email: 'bench-main@bench.example', password: BENCH_PASSWORD };
  const { created, token: mainToken } = await signUp(api, mainOrg);
  const record = await api.callExpecting('POST', '/org/records', {
    token: mainToken,
    body: { sku: 'A-1', qty: 3, tags: ['bench'] },
    expect: 201,
  });
  const passwordHash = (await small.master.collection('accounts').findOne({ email: mainOrg.email })).password_hash;
  // A member-role API key of the same organization: the record read again, by a machine.
  const { key: apiKey } = await api.callExpecting('POST', '/org/api-keys', {
    token: mainToken,
    body: { name: 'bench reader', role: 'member' },
    expect: 201,
  });

  const suspended = await suspendedOrganization(api, small.master);
  const outOfQuota = await organizationOutOfQuota(api, small.master);

  const smallCount = settings.smallOrgCount - API_ORGANIZATIONS;
  log(`seeding ${smallCount}${large ? ` + ${settings.largeOrgCount}` : ''} organizations`);
  const seedStarted = performance.now();
  const smallOrgs = await seedOrganizations({ ...small, naming, prefix: 'Bench Small', count: smallCount, passwordHash });
  const largeOrgs = large
    ? await seedOrganizations({ ...large, naming, prefix: 'Bench Large', count: settings.largeOrgCount, passwordHash })
    : [];
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  log(`seeded in ${seedSeconds.toFixed(1)} s`);

  // A viewer of the main organization, written like the seeded owners, for the role-refusal scenario.
  const viewer = {
    ...(await seedMember({
      master: small.master,
      naming,
      orgId: created.id,
      email: 'bench-viewer@bench.example',
      role: 'viewer',
      passwordHash,
    })),
    orgId: created.id,
  };
  return {
    mainOrg,
    created,
    mainToken,
    record,
    apiKey,
    suspended,
    outOfQuota,
    smallOrgs,
    largeOrgs,
    seedSeconds,
    seededOrganizations: smallOrgs.length + largeOrgs.length,
    viewerToken: tokenFor(viewer),
    // Signed with another key than the service's: refused with 401 before any database work.
    foreignToken: tokenFor(viewer, randomBytes(36).toString('base64url')),
    tokenFor,
    lookups: { small: smallOrgs[Math.floor(smallOrgs.length / 2)].name, large: largeOrgs[Math.floor(largeOrgs.length / 2)]?.name },
  };
}

/** An organization made through `api` with one record, then suspended in its `master` database (as an operator's suspension writes it): its owner's token and the record. */
async function suspendedOrganization(api, master) {
  const org = { organization_name: 'Bench Suspended', email: 'bench-suspended@bench.example', password: BENCH_PASSWORD };
  const { created, token } = await signUp(api, org);
  const record = await api.callExpecting('POST', '/org/records', { token, body: { sku: 'S-1', qty: 1, tags: ['bench'] }, expect: 201 });
  await master.collection('organizations').updateOne({ _id: new ObjectId(created.id) }, { $set: { suspended_at: new Date() } });
  // Each instance remembers an organization's suspension state for up to a second.
  await untilAnswered(api, 'GET', `/org/records/${record.id}`, { token, status: 403 });
  return { token, record };
}

/** An organization made through `api` whose quota override (in its `master` database) allows no document: its owner's token. */
async function organizationOutOfQuota(api, master) {
  const org = { organization_name: 'Bench Out Of Quota', email: 'bench-quota@bench.example', password: BENCH_PASSWORD };
  const { created, token } = await signUp(api, org);
  await master.collection('organizations').updateOne({ _id: new ObjectId(created.id) }, { $set: { quota: { max_documents: 0 } } });
  await untilAnswered(api, 'POST', '/org/records', {
    token,
    body: { sku: 'Q-1', qty: 1, tags: ['bench'] },
    status: 403,
    matches: (body) => /quota/i.test(JSON.stringify(body)),
  });
  return { token };
}
