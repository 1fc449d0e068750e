/** What the audit log records, one action per kind of change. */
export enum AuditAction {
  OrganizationCreated = 'organization.created',
  OrganizationRenamed = 'organization.renamed',
  OrganizationSuspended = 'organization.suspended',
  OrganizationResumed = 'organization.resumed',
  MemberCredentialsChanged = 'member.credentials_changed',
  InvitationCreated = 'invitation.created',
  InvitationRevoked = 'invitation.revoked',
  InvitationAccepted = 'invitation.accepted',
  MemberRoleChanged = 'member.role_changed',
  MemberRemoved = 'member.removed',
  ApiKeyCreated = 'api_key.created',
  ApiKeyRevoked = 'api_key.revoked',
  LoginSucceeded = 'login.succeeded',
  LoginFailed = 'login.failed',
}
