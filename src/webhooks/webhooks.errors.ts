import { domainError, ErrorCode, InvalidInputError } from '../common/errors/domain.error.js';

/** Unknown, deleted, or another owner's endpoint: one answer. */
export class WebhookNotFoundError extends domainError(ErrorCode.WebhookNotFound, 'Webhook endpoint not found') {}

export class WebhookDeliveryNotFoundError extends domainError(ErrorCode.WebhookDeliveryNotFound, 'Delivery not found') {}

export class WebhookEndpointLimitError extends InvalidInputError {}
