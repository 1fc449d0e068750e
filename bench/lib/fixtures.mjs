// The organizations, members and credentials npm run bench's scenarios act as.
import { randomBytes } from 'node:crypto';
import { seedMember, seedOrganizations, signToken } from './seed.mjs';

export const BENCH_PASSWORD = 'bench-correct-horse-battery';

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
 * What the scenarios act on. On the small instance (`api`, its databases `small`): one
 * organization made through the API (`mainOrg`, answered as `created`, its owner's `mainToken`,
 * one `record`, a member-role `apiKey`), `settings.smallOrgCount - 1` seeded ones (`smallOrgs`), a
 * viewer of the main organization (`viewerToken`) and a token of the viewer signed with a key the
 * service does not know (`foreignToken`). On the large instance's databases (`large`, when given):
 * `settings.largeOrgCount` seeded organizations (`largeOrgs`). `lookups` are the names GET /org/get
 * looks up on each; `tokenFor(member)` signs a token for a seeded member as the service would;
 * `seedSeconds` is how long seeding took. `jwt` is `{secret, issuer, audience}`.
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

  log(`seeding ${settings.smallOrgCount - 1}${large ? ` + ${settings.largeOrgCount}` : ''} organizations`);
  const seedStarted = performance.now();
  const smallOrgs = await seedOrganizations({ ...small, naming, prefix: 'Bench Small', count: settings.smallOrgCount - 1, passwordHash });
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
    smallOrgs,
    largeOrgs,
    seedSeconds,
    viewerToken: tokenFor(viewer),
    // Signed with another key than the service's: refused with 401 before any database work.
    foreignToken: tokenFor(viewer, randomBytes(36).toString('base64url')),
    tokenFor,
    lookups: { small: smallOrgs[Math.floor(smallOrgs.length / 2)].name, large: largeOrgs[Math.floor(largeOrgs.length / 2)]?.name },
  };
}
