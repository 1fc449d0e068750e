import { ApiProperty } from '@nestjs/swagger';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../persistence/webhook-delivery.schema.js';

export class WebhookEndpointViewDto {
  @ApiProperty({ example: '6b0259ce55575609c46323d1' })
  id: string;
  @ApiProperty({ example: 'https://hooks.example.com/oms' })
  url: string;
  /** The event types it receives; empty for all. */
  @ApiProperty({ type: [String], example: ['organization.renamed', 'member.removed'] })
  events: string[];
  created_at: Date;
  /** True once it has failed for WEBHOOK_DISABLE_AFTER_SECONDS (5 days) with no success between; a manual retry enables it again. */
  disabled: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  disabled_at: Date | null;
  /** Since when every attempt has failed; null while it is receiving. */
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  failing_since: Date | null;
}

export class CreatedWebhookEndpointDto extends WebhookEndpointViewDto {
  /** Shown only here, once: verify each delivery's `webhook-signature` with it (Standard Webhooks). */
  @ApiProperty({ pattern: '^whsec_[A-Za-z0-9+/]{43}=$', example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3Jtm0w1Y0Xo=' })
  secret: string;
}

export class WebhookEndpointPageDto {
  items: WebhookEndpointViewDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  @ApiProperty({ type: String, nullable: true })
  next_cursor: string | null;
}

export class WebhookDeliveryViewDto {
  /** The event's id, sent as `webhook-id` on every attempt. */
  @ApiProperty({ example: '6b0259d755575609c46323e0' })
  event_id: string;
  @ApiProperty({ example: 'member.removed' })
  event_type: string;
  @ApiProperty({ type: 'integer', example: 1 })
  attempts: number;
  @ApiProperty({ enum: DELIVERY_STATUSES, enumName: 'WebhookDeliveryStatus', example: 'delivered' })
  status: DeliveryStatus;
  /** The receiver's last status; null before the first attempt or when it did not answer. */
  @ApiProperty({ type: 'integer', nullable: true, example: 204 })
  last_status_code: number | null;
  /** At most 1 KiB of the receiver's last answer, or why there was none. */
  @ApiProperty({ type: String, nullable: true, example: '' })
  last_response: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_attempt_at: Date | null;
  /** When a pending delivery is tried next; null once delivered or failed. */
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  next_attempt_at: Date | null;
}

export class WebhookDeliveryPageDto {
  items: WebhookDeliveryViewDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  @ApiProperty({ type: String, nullable: true })
  next_cursor: string | null;
}
