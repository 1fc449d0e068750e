import { Injectable } from '@nestjs/common';
import type { AuthenticatedMember } from '../../common/access/authenticated-member.js';
import { AuditAction } from '../../audit/audit-action.js';
import { AuditLogService } from '../../audit/audit-log.service.js';
import type { RequestOrigin } from '../../common/http/request-origin.js';
import { isObjectIdHex, type ObjectId, toObjectId } from '../../common/database/object-id.js';
import { DomainError } from '../../common/errors/domain.error.js';
import { AppConfig } from '../../config/app-config.js';
import type { OrganizationRecord } from '../../organizations/persistence/organization.schema.js';
import { OrganizationQuotas, recordBytes, type UsageReservation } from '../../organizations/quotas/organization-quotas.service.js';
import type { StoredTenantRecord } from '../../tenants/persistence/tenant-record.schema.js';
import { DuplicateRecordError, QuotaExceededError } from '../../tenants/tenants.errors.js';
import { assertValidRecordData } from '../record-data.js';
import { RECORD_MAX_BYTES } from '../record-limits.js';
import { RecordWrites } from '../record-writes.js';
import { OrganizationMigratingError } from '../records.errors.js';
import { ndjsonLines } from './ndjson-lines.js';

/** Record lines written per round trip; the import holds at most one such batch. */
const IMPORT_BATCH = 500;
/** Failed lines listed in the answer; beyond, only counted (the answer must not grow with a bad body). */
const MAX_LISTED_FAILURES = 1000;
/** How long a batch waits for a rename or a move's cutover to end before the import gives up with 409. */
const WRITABLE_WAIT_MS = 30_000;
/** Existing records read or replaced at once. */
const AT_ONCE = 16;

interface ImportedRecord {
  line: number;
  _id: ObjectId;
  data: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  bytes: number;
}

export interface ImportResult {
  imported: number;
  replaced: number;
  failed: { line: number; message: string }[];
  /** Failed lines beyond the first 1,000, not listed. */
  failures_not_listed: number;
}

/**
 * POST /org/import: record lines as GET /org/export writes them, upserted by id, a batch at a
 * time as the body arrives (memory does not grow with its size). A repeated import changes
 * nothing; after a dropped connection the client sends the rest (or all of it again). Lines that
 * are not records (the export's organization and member lines) are skipped; a malformed record
 * line is reported with its number and the others go on. Each batch follows RecordWrites'
 * protocol: one refused by a rename or a move's cutover is written again where the records are
 * then (upserts by id, so nothing is doubled).
 */
@Injectable()
export class RecordImport {
  constructor(
    private readonly writes: RecordWrites,
    private readonly quotas: OrganizationQuotas,
    private readonly audit: AuditLogService,
    private readonly config: AppConfig,
  ) {}

  async import(caller: AuthenticatedMember, body: AsyncIterable<Buffer | string>, origin: RequestOrigin): Promise<ImportResult> {
    // The caller and its organization are checked before the body is read.
    const org = await this.writes.writableOrganization(caller);
    const result: ImportResult = { imported: 0, replaced: 0, failed: [], failures_not_listed: 0 };
    const fail = (line: number, message: string) => {
      if (result.failed.length < MAX_LISTED_FAILURES) result.failed.push({ line, message });
      else result.failures_not_listed += 1;
    };
    let batch: ImportedRecord[] = [];
    const limits = { maxLineBytes: RECORD_MAX_BYTES + 1024, maxTotalBytes: this.config.tenantData.importMaxBytes };
    for await (const line of ndjsonLines(body, limits)) {
      if ('tooLong' in line) {
        fail(line.number, `The line is longer than ${limits.maxLineBytes} bytes`);
        continue;
      }
      const parsed = parseRecordLine(line.number, line.text);
      if ('problem' in parsed) fail(line.number, parsed.problem);
      else if ('record' in parsed) batch.push(parsed.record);
      if (batch.length === IMPORT_BATCH) {
        await this.writeBatch(caller, batch, result, fail);
        batch = [];
      }
    }
    if (batch.length > 0) await this.writeBatch(caller, batch, result, fail);
    const failed = result.failed.length + result.failures_not_listed;
    await this.audit.record({
      orgId: org._id,
      action: AuditAction.RecordsImported,
      actor: caller.actor,
      target: null,
      origin,
      details: { imported: result.imported, replaced: result.replaced, failed },
    });
    return result;
  }

  private async writeBatch(
    caller: AuthenticatedMember,
    lines: ImportedRecord[],
    result: ImportResult,
    fail: (line: number, message: string) => void,
  ): Promise<void> {
    // A later line for the same id wins; the earlier ones count as replaced by it.
    const last = new Map(lines.map((record) => [record._id.toHexString(), record]));
    result.replaced += lines.length - last.size;
    let records = [...last.values()];
    const createdEarlier = new Set<string>();
    for (let attempt = 0; ; attempt += 1) {
      const org = await this.untilWritable(caller);
      const outcome = await this.upsert(org, records, createdEarlier);
      if (await this.writes.acknowledged(org, outcome.written)) {
        result.imported += outcome.created.length + outcome.recreated;
        result.replaced += outcome.replaced;
        for (const { line, message } of outcome.failed) fail(line, message);
        return;
      }
      // Refused by a rename or a move's cutover: written again where the records are once it is over.
      for (const record of outcome.created) createdEarlier.add(record._id.toHexString());
      const failedLines = new Set(outcome.failed.map(({ line }) => line));
      records = records.filter(({ line }) => !failedLines.has(line));
      if (attempt >= 5) throw new OrganizationMigratingError();
    }
  }

  /**
   * Inserts the batch in one round trip; the records that exist already are then replaced, each
   * checked against the quota with its old size. Quota is claimed before anything is written.
   */
  private async upsert(org: OrganizationRecord, records: ImportedRecord[], createdEarlier: Set<string>) {
    const outcome = {
      written: [] as ObjectId[],
      created: [] as ImportedRecord[],
      recreated: 0,
      replaced: 0,
      failed: [] as { line: number; message: string }[],
    };
    const target = this.writes.records(org);
    const allNew = { documents: records.length, bytes: records.reduce((total, { bytes }) => total + bytes, 0) };
    const whole = await this.quotas.reserve(org, allNew).catch((error: unknown) => {
      if (error instanceof QuotaExceededError) return null;
      throw error;
    });
    // Over the quota if all were new: each record is claimed on its own, with its real growth.
    const existing = whole ? new Map<string, StoredTenantRecord>() : await this.existing(target, records);
    const { fits, claims } = whole ? { fits: records, claims: [whole] } : await this.claimOneByOne(org, records, existing, outcome.failed);
    try {
      const toInsert = fits.filter((record) => !existing.has(record._id.toHexString()));
      const refused = toInsert.length > 0 ? await target.insertBatch(toInsert) : new Set<number>();
      const inserted = toInsert.filter((_, index) => !refused.has(index));
      const notInserted = toInsert.filter((_, index) => refused.has(index));
      const found = await this.existing(target, notInserted);
      for (const [id, record] of found) existing.set(id, record);
      for (const record of notInserted.filter(({ _id }) => !found.has(_id.toHexString()))) {
        outcome.failed.push({ line: record.line, message: new DuplicateRecordError().message });
      }
      let bytes = inserted.reduce((total, record) => total + record.bytes, 0);
      const toReplace = fits.filter((record) => existing.has(record._id.toHexString()));
      const replaced = (record: ImportedRecord) => {
        bytes += record.bytes - recordBytes(existing.get(record._id.toHexString())!.data);
        outcome.written.push(record._id);
        if (createdEarlier.has(record._id.toHexString())) outcome.recreated += 1;
        else outcome.replaced += 1;
      };
      // All at once; only when a unique index refuses one are they replaced one by one, to find which.
      const together =
        toReplace.length === 0 ||
        (await target.upsertImported(toReplace.map((record) => stored(org, record))).then(
          () => true,
          (error: unknown) => {
            if (error instanceof DuplicateRecordError) return false;
            throw error;
          },
        ));
      if (together) toReplace.forEach(replaced);
      for (let start = 0; !together && start < toReplace.length; start += AT_ONCE) {
        await Promise.all(
          toReplace.slice(start, start + AT_ONCE).map(async (record) => {
            try {
              await target.upsertImported([stored(org, record)]);
            } catch (error) {
              if (!(error instanceof DomainError)) throw error;
              outcome.failed.push({ line: record.line, message: error.message });
              return;
            }
            replaced(record);
          }),
        );
      }
      outcome.created = inserted;
      outcome.written.push(...inserted.map(({ _id }) => _id));
      await claims[0]?.commit({ documents: inserted.length, bytes });
      return outcome;
    } finally {
      for (const claim of claims) claim.release();
    }
  }

  /** Claims each record's growth on its own, holding each claim; the records over the quota fail. */
  private async claimOneByOne(
    org: OrganizationRecord,
    records: ImportedRecord[],
    existing: Map<string, StoredTenantRecord>,
    failed: { line: number; message: string }[],
  ): Promise<{ fits: ImportedRecord[]; claims: UsageReservation[] }> {
    const fits: ImportedRecord[] = [];
    const claims: UsageReservation[] = [];
    for (const record of records) {
      const before = existing.get(record._id.toHexString());
      const delta = before ? { documents: 0, bytes: record.bytes - recordBytes(before.data) } : { documents: 1, bytes: record.bytes };
      try {
        claims.push(await this.quotas.reserve(org, delta));
        fits.push(record);
      } catch (error) {
        if (!(error instanceof QuotaExceededError)) throw error;
        failed.push({ line: record.line, message: error.message });
      }
    }
    return { fits, claims };
  }

  private async existing(target: ReturnType<RecordWrites['records']>, records: ImportedRecord[]): Promise<Map<string, StoredTenantRecord>> {
    const found = await target.findEach(records.map(({ _id }) => _id));
    return new Map(found.map((record) => [record._id.toHexString(), record]));
  }

  private async untilWritable(caller: AuthenticatedMember): Promise<OrganizationRecord> {
    const deadline = Date.now() + WRITABLE_WAIT_MS;
    for (;;) {
      try {
        return await this.writes.writableOrganization(caller);
      } catch (error) {
        if (!(error instanceof OrganizationMigratingError) || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
}

function stored(org: OrganizationRecord, record: ImportedRecord): StoredTenantRecord {
  return { _id: record._id, org_id: org._id, data: record.data, created_at: record.created_at, updated_at: record.updated_at };
}

type ParsedLine = { record: ImportedRecord } | { skip: true } | { problem: string };

/** A record line as GET /org/export writes it; skipped, the export's other lines; otherwise what is wrong with it. */
export function parseRecordLine(number: number, text: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'The line is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: 'The line must be a JSON object' };
  const line = value as Record<string, unknown>;
  if (line.type === 'organization' || line.type === 'member') return { skip: true };
  if (line.type !== 'record') return { problem: 'type must be "record" (or an export\'s "organization" or "member")' };
  if (typeof line.id !== 'string' || !isObjectIdHex(line.id)) return { problem: 'id must be a record id (24 hexadecimal characters)' };
  const unknown = Object.keys(line).filter((key) => !['type', 'id', 'data', 'created_at', 'updated_at'].includes(key));
  if (unknown.length > 0) return { problem: `Unknown field ${unknown[0]}` };
  try {
    assertValidRecordData(line.data);
  } catch (error) {
    if (error instanceof DomainError) return { problem: `data: ${error.message}` };
    throw error;
  }
  const now = new Date();
  const created = dateOf(line.created_at, now);
  const updated = dateOf(line.updated_at, created instanceof Date ? created : now);
  if (typeof created === 'string') return { problem: `created_at ${created}` };
  if (typeof updated === 'string') return { problem: `updated_at ${updated}` };
  return {
    record: {
      line: number,
      _id: toObjectId(line.id),
      data: line.data,
      created_at: created,
      updated_at: updated,
      bytes: recordBytes(line.data),
    },
  };
}

function dateOf(value: unknown, fallback: Date): Date | string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') return 'must be an ISO 8601 date';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? 'must be an ISO 8601 date' : date;
}
