import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsString, Matches, MaxLength } from 'class-validator';
import { Omittable } from '../../common/validation/omittable.js';
import { WEBHOOK_EVENT_TYPES } from '../webhook-event-types.js';

export const WEBHOOK_URL_MAX_LENGTH = 2048;

export class CreateWebhookEndpointDto {
  /**
   * Where events are POSTed: http or https, no credentials in it, and a host that resolves to a
   * public address (checked now and before every delivery).
   */
  @ApiProperty({ example: 'https://hooks.example.com/oms', maxLength: WEBHOOK_URL_MAX_LENGTH })
  @IsString()
  @MaxLength(WEBHOOK_URL_MAX_LENGTH)
  @Matches(/^\S+$/, { message: 'url must not contain spaces' })
  url: string;

  /** The event types to receive; leave it out (or send `[]`) for all of them. */
  @ApiPropertyOptional({
    type: [String],
    enum: WEBHOOK_EVENT_TYPES,
    enumName: 'WebhookEventType',
    example: ['organization.renamed', 'member.removed'],
    maxItems: WEBHOOK_EVENT_TYPES.length,
  })
  @Omittable()
  @IsArray()
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @ArrayUnique({ message: 'events must not repeat a type' })
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true, message: 'events must hold event types: $constraint1' })
  events?: string[];
}
