import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ObjectId } from '../../common/database/object-id.js';
import type { Placement } from '../placement.js';
import { TenantStorage } from '../tenant-storage.service.js';
import { QuotaExceededError } from '../tenants.errors.js';
import { TenantUsageRepository, type Usage } from './tenant-usage.repository.js';

export type { Usage } from './tenant-usage.repository.js';

export interface QuotaLimits {
  maxDocuments: number;
  maxBytes: number;
}

/** How long the ledger's figure is trusted before a write reads it again (other instances' writes show up within this). */
const FRESH_MS = 1000;
/** Organizations whose ledgers an instance keeps; idle ones go first. */
const MAX_LEDGERS = 50_000;
const ZERO: Usage = Object.freeze({ documents: 0, bytes: 0 });

/** The size a record counts for against `max_bytes`: its data as JSON, as the body limit measures it. */
export function recordBytes(data: unknown): number {
  return Buffer.byteLength(JSON.stringify(data));
}

/**
 * A write's claim on its organization's quota: committed with what it really changed (resolving
 * once the ledger holds it, so that an acknowledged write is counted even if the process dies
 * next), or released.
 */
export interface UsageReservation {
  commit(actual: Usage): Promise<void>;
  release(): void;
}

/** One organization's ledger as this instance sees it. */
class LocalLedger {
  /** The stored totals as of `confirmedAt` (the last read or increment). */
  confirmed: Usage = ZERO;
  confirmedAt = 0;
  /** Sent to the ledger, not yet confirmed. */
  inFlight: Usage = ZERO;
  /** Committed here, not yet sent. */
  pending: Usage = ZERO;
  /** Claimed by writes under way. */
  reserved: Usage = ZERO;
  flushing: Promise<boolean> | null = null;
  /** Increments started and finished, so that a writer waits for the one carrying its own. */
  started = 0;
  done = 0;
  loading: Promise<void> | null = null;

  get estimate(): Usage {
    return sum(this.confirmed, this.inFlight, this.pending, this.reserved);
  }

  get idle(): boolean {
    return !this.flushing && !this.loading && isZero(this.pending) && isZero(this.reserved) && isZero(this.inFlight);
  }
}

/**
 * Quota accounting of tenant records. Each instance checks a write against the organization's
 * ledger as it last saw it plus its own writes under way, claiming the write's share synchronously
 * (so concurrent writes on one instance can never pass a quota together), then adds what the write
 * changed to the stored ledger with one `$inc`, one at a time per organization per instance (so an
 * instance never loses its own increments, even on FerretDB where concurrent `$inc`s of one document
 * do). Other instances' writes are seen at the next increment or after FRESH_MS. README "Quotas"
 * states the overshoot this allows across instances.
 */
@Injectable()
export class TenantUsage implements OnApplicationShutdown {
  private readonly logger = new Logger(TenantUsage.name);
  private readonly ledgers = new Map<string, LocalLedger>();

  constructor(
    private readonly repository: TenantUsageRepository,
    private readonly storage: TenantStorage,
  ) {}

  /**
   * Claims `delta` of the organization's quota for a write, or throws QuotaExceededError when the
   * organization would pass either limit. A delta that shrinks usage never fails.
   */
  async reserve(orgId: ObjectId, placement: Placement, limits: QuotaLimits, delta: Usage): Promise<UsageReservation> {
    const ledger = await this.loaded(orgId, placement);
    const after = sum(ledger.estimate, delta);
    const grows = delta.documents > 0 || delta.bytes > 0;
    if (grows && (after.documents > limits.maxDocuments || after.bytes > limits.maxBytes)) throw new QuotaExceededError();
    ledger.reserved = sum(ledger.reserved, delta);
    let settled = false;
    const settle = async (actual: Usage | null) => {
      if (settled) return;
      settled = true;
      ledger.reserved = subtract(ledger.reserved, delta);
      if (actual && !isZero(actual)) {
        ledger.pending = sum(ledger.pending, actual);
        await this.flushed(orgId, ledger);
      }
    };
    return { commit: (actual) => settle(actual), release: () => void settle(null) };
  }

  /** The organization's usage: the stored ledger (measured on first use) plus this instance's writes not yet stored. */
  async current(orgId: ObjectId, placement: Placement): Promise<Usage> {
    const key = orgId.toHexString();
    const local = this.ledgers.get(key);
    const stored = (await this.repository.find(orgId)) ?? (await this.repository.start(orgId, await this.measure(orgId, placement)));
    return local ? sum(stored, local.pending, local.inFlight) : stored;
  }

  /** The organization is gone: its ledger goes too. */
  async forget(orgId: ObjectId): Promise<void> {
    this.ledgers.delete(orgId.toHexString());
    await this.repository.remove(orgId);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.ledgers.values()].flatMap(({ flushing }) => (flushing ? [flushing] : [])));
  }

  private async loaded(orgId: ObjectId, placement: Placement): Promise<LocalLedger> {
    const key = orgId.toHexString();
    let ledger = this.ledgers.get(key);
    if (!ledger) {
      ledger = new LocalLedger();
      this.remember(key, ledger);
    }
    // A ledger being written is confirmed by its own increment; otherwise read again once stale.
    while (!ledger.flushing && Date.now() - ledger.confirmedAt > FRESH_MS) {
      ledger.loading ??= this.load(orgId, placement, ledger).finally(() => {
        ledger.loading = null;
      });
      await ledger.loading;
    }
    return ledger;
  }

  private async load(orgId: ObjectId, placement: Placement, ledger: LocalLedger): Promise<void> {
    const stored = (await this.repository.find(orgId)) ?? (await this.repository.start(orgId, await this.measure(orgId, placement)));
    if (ledger.flushing) return;
    ledger.confirmed = stored;
    ledger.confirmedAt = Date.now();
  }

  /** Counts an organization that has no ledger yet (its data predates quotas), streaming its records once. */
  private async measure(orgId: ObjectId, placement: Placement): Promise<Usage> {
    let documents = 0;
    let bytes = 0;
    for await (const record of this.storage.records(orgId, placement).all(1000)) {
      documents += 1;
      bytes += recordBytes(record.data);
    }
    return { documents, bytes };
  }

  /**
   * Resolves once the ledger holds this instance's pending increments: they go one `$inc` at a time
   * per organization, each carrying everything committed while the previous one was under way.
   */
  private async flushed(orgId: ObjectId, ledger: LocalLedger): Promise<void> {
    // The next increment to start carries what was just committed.
    const carrying = ledger.started + 1;
    while (ledger.done < carrying) {
      ledger.flushing ??= this.flushOnce(orgId, ledger).finally(() => {
        ledger.flushing = null;
      });
      // A failed one leaves its increments pending: the next write's increment carries them.
      if (await ledger.flushing) return;
    }
  }

  /** One `$inc` of what is pending; true when it failed (the increments stay pending). */
  private async flushOnce(orgId: ObjectId, ledger: LocalLedger): Promise<boolean> {
    ledger.started += 1;
    ledger.inFlight = ledger.pending;
    ledger.pending = ZERO;
    try {
      const after = await this.repository.add(orgId, ledger.inFlight);
      ledger.inFlight = ZERO;
      // A missing ledger: the organization was deleted meanwhile.
      if (after) {
        ledger.confirmed = after;
        ledger.confirmedAt = Date.now();
      }
      ledger.done += 1;
      return false;
    } catch (error) {
      ledger.pending = sum(ledger.pending, ledger.inFlight);
      ledger.inFlight = ZERO;
      ledger.done += 1;
      this.logger.warn({ err: error, org: orgId.toHexString() }, 'Could not store usage; retrying with the next write');
      return true;
    }
  }

  private remember(key: string, ledger: LocalLedger): void {
    this.ledgers.set(key, ledger);
    if (this.ledgers.size <= MAX_LEDGERS) return;
    for (const [oldKey, old] of this.ledgers) {
      if (this.ledgers.size <= MAX_LEDGERS) break;
      if (old.idle) this.ledgers.delete(oldKey);
    }
  }
}

function sum(...usages: Usage[]): Usage {
  return usages.reduce((total, usage) => ({ documents: total.documents + usage.documents, bytes: total.bytes + usage.bytes }), ZERO);
}

function subtract(from: Usage, usage: Usage): Usage {
  return { documents: from.documents - usage.documents, bytes: from.bytes - usage.bytes };
}

function isZero(usage: Usage): boolean {
  return usage.documents === 0 && usage.bytes === 0;
}
