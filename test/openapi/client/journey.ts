/**
 * A client journey written only against the types openapi-typescript generates from /docs-json
 * (`./generated/schema.js`, written next to a copy of this file by test/openapi/openapi-client.e2e-spec.ts)
 * and openapi-fetch. The spec type-checks it, runs it against the service and checks what it prints.
 * Excluded from the repository's own tsconfig: the generated types exist only in that copy.
 *
 *   node journey.js <baseUrl>
 */
import createClient from 'openapi-fetch';
import type { components, operations, paths } from './generated/schema.js';

type Schemas = components['schemas'];

/** The operationIds clients call their methods by; a missing one fails the type check. */
export type NamedOperations = [
  operations['getServiceInfo'],
  operations['getLiveness'],
  operations['getReadiness'],
  operations['createOrganization'],
  operations['login'],
  operations['switchOrganization'],
  operations['getAccount'],
  operations['updateAccount'],
  operations['deleteAccount'],
  operations['listAccountOrganizations'],
  operations['getOrganization'],
  operations['listOrganizations'],
  operations['updateOrganization'],
  operations['deleteOrganization'],
  operations['getCollectionStats'],
  operations['createRecord'],
  operations['listRecords'],
  operations['getRecord'],
  operations['replaceRecord'],
  operations['deleteRecord'],
  operations['listMembers'],
  operations['getCurrentMember'],
  operations['changeMemberRole'],
  operations['removeMember'],
  operations['createInvitation'],
  operations['listInvitations'],
  operations['revokeInvitation'],
  operations['acceptInvitation'],
  operations['listAuditEvents'],
  operations['listPlatformOrganizations'],
  operations['getPlatformOrganization'],
  operations['suspendOrganization'],
  operations['resumeOrganization'],
  operations['deletePlatformOrganization'],
];

/** Never called: each line must fail to compile, which proves the generated types are not `any`. */
export function refusedByTheTypes(client: ReturnType<typeof createClient<paths>>): void {
  // @ts-expect-error organization_name is required
  void client.POST('/org/create', { body: { email: 'a@example.com', password: 'long-enough-passphrase' } });
  // @ts-expect-error not a role
  void client.POST('/org/invitations', { body: { email: 'b@example.com', role: 'superuser' } });
  // @ts-expect-error no such path
  void client.GET('/org/nothing');
  // @ts-expect-error organization_id is required to switch
  void client.POST('/admin/switch', { body: {} });
  // @ts-expect-error an email is a string
  void client.PATCH('/me', { body: { email: 42 } });
  const stats: Schemas['CollectionStatsDto'] = {
    collection_name: 'org_x',
    documents: 1,
    size_bytes: 1,
    indexes: 1,
    quota: { max_documents: 10, max_bytes: 1024 },
  };
  // @ts-expect-error counts are numbers
  stats.documents = '1';
  // @ts-expect-error Retry-After is declared as an integer header, not left unknown
  const retryAfter: operations['login']['responses'][429]['headers']['Retry-After'] = 'soon';
  void retryAfter;
}

/** Stops the journey on any answer but the expected one. */
function expectStatus<T>(result: { data?: T; error?: unknown; response: Response }, status: number, step: string): T {
  if (result.response.status !== status) {
    throw new Error(`${step}: expected ${status}, got ${result.response.status} ${JSON.stringify(result.error ?? result.data)}`);
  }
  return result.data as T;
}

async function journey(baseUrl: string): Promise<Record<string, unknown>> {
  const client = createClient<paths>({ baseUrl });
  const as = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });
  const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const owner = { organization_name: `Client ${tag}`, email: `owner-${tag}@example.com`, password: 'a-Strong-passphrase-42' };

  const info = expectStatus(await client.GET('/'), 200, 'service info');
  const created = expectStatus(await client.POST('/org/create', { body: owner }), 201, 'create');
  const login = expectStatus(await client.POST('/admin/login', { body: { email: owner.email, password: owner.password } }), 200, 'login');
  const token = login.access_token;

  const denied = await client.GET('/org/collection/stats');
  expectStatus(denied, 401, 'stats without a token');

  const record = expectStatus(await client.POST('/org/records', { ...as(token), body: { sku: 'A-1', qty: 3 } }), 201, 'create record');
  const fetched = expectStatus(
    await client.GET('/org/records/{id}', { ...as(token), params: { path: { id: record.id } } }),
    200,
    'get record',
  );
  const replaced = expectStatus(
    await client.PUT('/org/records/{id}', { ...as(token), params: { path: { id: record.id } }, body: { sku: 'A-1', qty: 5 } }),
    200,
    'replace record',
  );
  const page = expectStatus(await client.GET('/org/records', { ...as(token), params: { query: { limit: 10 } } }), 200, 'list records');

  const renamedTo = `Client renamed ${tag}`;
  const renamed = expectStatus(await client.PUT('/org/update', { ...as(token), body: { organization_name: renamedTo } }), 200, 'rename');
  const stats = expectStatus(await client.GET('/org/collection/stats', as(token)), 200, 'stats');

  const invitation = expectStatus(
    await client.POST('/org/invitations', { ...as(token), body: { email: `member-${tag}@example.com`, role: 'member' } }),
    201,
    'invite',
  );
  const accepted = expectStatus(
    await client.POST('/invitations/accept', {
      body: { invitation_token: invitation.invitation_token, password: 'another-Strong-passphrase-43' },
    }),
    201,
    'accept',
  );
  const members = expectStatus(await client.GET('/org/members', as(token)), 200, 'list members');
  const memberStats = expectStatus(await client.GET('/org/collection/stats', as(accepted.access_token)), 200, 'stats as the new member');

  // The owner's account creates a second organization with its token (the name alone), so a login
  // naming none gives an account token, which switches into the first organization.
  const secondName = `Client second ${tag}`;
  const second = expectStatus(
    await client.POST('/org/create', { ...as(token), body: { organization_name: secondName } }),
    201,
    'create a second',
  );
  const accountLogin = expectStatus(
    await client.POST('/admin/login', { body: { email: owner.email, password: owner.password } }),
    200,
    'login with two organizations',
  );
  const accountToken = accountLogin.access_token;
  const refusedForAccount = await client.GET('/org/collection/stats', as(accountToken));
  expectStatus(refusedForAccount, 403, 'stats with an account token');
  const me = expectStatus(await client.GET('/me', as(accountToken)), 200, 'me');
  const switched = expectStatus(
    await client.POST('/admin/switch', { ...as(accountToken), body: { organization_id: created.id } }),
    200,
    'switch to the first',
  );
  const switchedToken = switched.access_token;

  expectStatus(
    await client.DELETE('/org/records/{id}', { ...as(switchedToken), params: { path: { id: record.id } } }),
    204,
    'delete record',
  );
  // The name in the query alone: the body is optional.
  const deleted = expectStatus(
    await client.DELETE('/org/delete', { ...as(switchedToken), params: { query: { organization_name: renamedTo } } }),
    200,
    'delete organization',
  );
  const gone = await client.GET('/org/get', { params: { query: { organization_name: renamedTo } } });
  expectStatus(gone, 404, 'get the deleted organization');
  // The account stays, with its other organization; so does the member's account, with none.
  const remaining = expectStatus(await client.GET('/me/organizations', as(accountToken)), 200, 'organizations after the delete');
  const memberLogin = expectStatus(
    await client.POST('/admin/login', { body: { email: `member-${tag}@example.com`, password: 'another-Strong-passphrase-43' } }),
    200,
    'login of the member after the delete',
  );

  return {
    service: { name: info.name, openapi: info.openapi },
    created: { status: created.status, adminEmail: created.admin.email },
    tokenType: login.token_type,
    login: {
      orgId: login.org_id === created.id,
      role: login.role,
      organizations: login.organizations.map((org) => org.organization_name === owner.organization_name),
    },
    denied: {
      status: denied.response.status,
      challenge: denied.response.headers.get('www-authenticate'),
      requestId: denied.error?.requestId,
    },
    record: { fetched: fetched.data, replaced: replaced.data, listed: page.items.length },
    renamed: { previous: renamed.previous_collection, current: renamed.current_collection, migrated: renamed.documents_migrated },
    stats: { collection: stats.collection_name, documents: stats.documents },
    members: members.items.map((member) => member.role).sort(),
    memberSees: memberStats.collection_name,
    deleted: { name: deleted.organization_name, documents: deleted.documents_deleted },
    gone: gone.error?.statusCode,
    account: {
      sameOwner: second.admin.id === login.admin_id,
      login: { orgId: accountLogin.org_id, role: accountLogin.role, organizations: accountLogin.organizations.length },
      refused: { status: refusedForAccount.response.status, message: refusedForAccount.error?.message },
      me: me.id === login.admin_id && me.email === owner.email,
      switched: { orgId: switched.org_id === created.id, role: switched.role },
      remaining: remaining.items.map((org) => ({ same: org.id === second.id, name: org.organization_name, role: org.role })),
      member: { orgId: memberLogin.org_id, organizations: memberLogin.organizations },
    },
  };
}

journey(process.argv[2]).then(
  (summary) => console.log(JSON.stringify(summary)),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
