import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import type { Session } from './session.js';
import { createOrgWithToken, type OrgWithToken } from './session.js';
import { STRONG_PASSWORD } from './test-app.js';

export type Role = 'viewer' | 'member' | 'admin' | 'owner';
export const ROLES: readonly Role[] = ['viewer', 'member', 'admin', 'owner'];

type Api = Pick<Session, 'http' | 'withToken'>;

let counter = 0;
/** A unique, lower-case email for one member of a test. */
export function uniqueEmail(prefix = 'member'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}${counter}${randomBytes(3).toString('hex')}@example.com`;
}

/** A distinct strong password (so a secret search can tell members apart). */
export function uniquePassword(): string {
  return `${STRONG_PASSWORD}-${randomBytes(6).toString('hex')}`;
}

export interface CreatedInvitation {
  id: string;
  email: string;
  role: Role;
  invited_by: string;
  created_at: string;
  expires_at: string;
  invitation_token: string;
}

/** POST /org/invitations as the holder of `token`; expects 201. */
export async function invite(t: Api, token: string, role: Role, email = uniqueEmail(role)): Promise<CreatedInvitation> {
  const res = await t.withToken(token).post('/org/invitations').send({ email, role });
  if (res.status !== 201) throw new Error(`invite ${email} as ${role}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as CreatedInvitation;
}

export interface JoinedMember {
  id: string;
  email: string;
  role: Role;
  password: string;
  token: string;
  invitation: CreatedInvitation;
}

/** Invites a new email with `role` (as the holder of `inviterToken`) and accepts it; expects 201 twice. */
export async function addMember(t: Api, inviterToken: string, role: Role, email = uniqueEmail(role)): Promise<JoinedMember> {
  const invitation = await invite(t, inviterToken, role, email);
  const password = uniquePassword();
  const res = await t.http().post('/invitations/accept').send({ invitation_token: invitation.invitation_token, password });
  if (res.status !== 201) throw new Error(`accept ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.member.id, email, role, password, token: res.body.access_token, invitation };
}

/** An organization (its creator is the owner) with one member of every other role. */
export interface Team {
  org: OrgWithToken;
  byRole: Record<Role, { id: string; email: string; password: string; token: string }>;
}

export async function createTeam(t: Api): Promise<Team> {
  const org = await createOrgWithToken(t);
  const owner = { id: org.org.admin.id as string, email: org.input.email, password: org.input.password, token: org.token };
  const [viewer, member, admin] = await Promise.all((['viewer', 'member', 'admin'] as const).map((role) => addMember(t, org.token, role)));
  return { org, byRole: { owner, admin, member, viewer } };
}

/**
 * Stored members of an organization, in account-id order, straight from the database: each
 * membership with its account's email, and the account id as `_id` (the id the API shows).
 */
export async function storedMembers(t: Pick<Session, 'db'>, orgId: string): Promise<Record<string, any>[]> {
  const memberships = await t.db.master
    .collection('memberships')
    .find({ org_id: new Types.ObjectId(orgId) })
    .sort({ account_id: 1 })
    .toArray();
  const accounts = await t.db.master
    .collection('accounts')
    .find({ _id: { $in: memberships.map((membership) => membership.account_id) } })
    .toArray();
  const emails = new Map(accounts.map((account) => [account._id.toHexString(), account.email as string]));
  return memberships.map(({ account_id, org_id, role, created_at, updated_at }) => ({
    _id: account_id,
    org_id,
    role,
    email: emails.get(account_id.toHexString()),
    created_at,
    updated_at,
  }));
}

export async function storedOwners(t: Pick<Session, 'db'>, orgId: string): Promise<string[]> {
  const members = await storedMembers(t, orgId);
  return members.filter((member) => member.role === 'owner').map((member) => member._id.toHexString());
}

/** The stored account with this email, or null. */
export function storedAccount(t: Pick<Session, 'db'>, email: string): Promise<Record<string, any> | null> {
  return t.db.master.collection('accounts').findOne({ email });
}
