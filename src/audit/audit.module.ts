import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditController } from './audit.controller.js';
import { AuditLogService } from './audit-log.service.js';
import { EventOutbox } from './outbox/event-outbox.service.js';
import { OutboxEvent, OutboxEventSchema } from './persistence/outbox-event.schema.js';
import { OutboxEventsRepository } from './persistence/outbox-events.repository.js';
import { AuditEvent, AuditEventSchema } from './persistence/audit-event.schema.js';
import { AuditEventsRepository } from './persistence/audit-events.repository.js';

/** The per-organization audit log, and the outbox of the events each audit event becomes (handed out by webhooks/). */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: AuditEvent.name, schema: AuditEventSchema },
      { name: OutboxEvent.name, schema: OutboxEventSchema },
    ]),
  ],
  controllers: [AuditController],
  providers: [AuditEventsRepository, OutboxEventsRepository, AuditLogService, EventOutbox],
  exports: [AuditLogService, EventOutbox],
})
export class AuditModule {}
