import { AuditAction } from '../audit/audit-action.js';

/** Every type an event can have: one per audit action (SPEC "Events and webhooks"). */
export const WEBHOOK_EVENT_TYPES: readonly string[] = Object.freeze(Object.values(AuditAction));
