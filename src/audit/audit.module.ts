import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditController } from './audit.controller.js';
import { AuditLogService } from './audit-log.service.js';
import { AuditEvent, AuditEventSchema } from './persistence/audit-event.schema.js';
import { AuditEventsRepository } from './persistence/audit-events.repository.js';

/** The per-organization audit log. */
@Module({
  imports: [MongooseModule.forFeature([{ name: AuditEvent.name, schema: AuditEventSchema }])],
  controllers: [AuditController],
  providers: [AuditEventsRepository, AuditLogService],
  exports: [AuditLogService],
})
export class AuditModule {}
