import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ObjectId } from '../../common/database/object-id.js';
import type { Placement } from '../placement.js';
import { TenantStorage } from '../tenant-storage.service.js';
import { QuotaExceededError } from '../tenants.errors.js';
import { TenantUsageRepository, type Usage } from './tenant-usage.repository.js';
import { UsageSlot } from './usage-slot.js';

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
  /** The stored totals as last read (at `confirmedAt`), plus this instance's increments since. */
  confirmed: Usage = ZERO;
  confirmedAt = 0;
  /** Sent to the ledger, not yet confirmed. */
  inFlight: Usage = ZERO;
  /** Committed here, not yet sent. */
  pending: Usage = ZERO;
  /** Claimed by writes under way. */
  reserved: Usage = ZERO;
  flushing: Promise<boolean> | null = null;
  /** The read or increment under way (see exclusive). */
  busy: Promise<unknown> | null = null;
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
 * ledger as it last read it plus its own writes since and under way, claiming the write's share
 * synchronously (so concurrent writes on one instance can never pass a quota together), then adds
 * what the write changed to its own part of the ledger (TenantUsagePart) with one `$inc`, one at a
 * time per organization, before the write is acknowledged. No two increments of one document ever
 * race, so none is lost, even on FerretDB. Other instances' writes are seen when the ledger is read
 * again, at most FRESH_MS later; README "Quotas" states the overshoot this allows.
 */
@Injectable()
export class TenantUsage implements OnApplicationShutdown {
  private readonly logger = new Logger(TenantUsage.name);
  private readonly ledgers = new Map<string, LocalLedger>();

  constructor(
    private readonly repository: TenantUsageRepository,
    private readonly storage: TenantStorage,
    private readonly slot: UsageSlot,
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

  /**
   * The organization's usage as this instance's ledger holds it (with its own writes under way),
   * if that ledger was read within FRESH_MS; undefined otherwise. Never reads.
   */
  knownUsage(orgId: string): Usage | undefined {
    const ledger = this.ledgers.get(orgId);
    return ledger && Date.now() - ledger.confirmedAt <= FRESH_MS ? ledger.estimate : undefined;
  }

  /** The organization's usage: the stored ledger (measured on first use) plus this instance's writes not yet stored. */
  async current(orgId: ObjectId, placement: Placement): Promise<Usage> {
    const local = this.ledgers.get(orgId.toHexString());
    const stored = await this.stored(orgId, placement);
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
    while (Date.now() - ledger.confirmedAt > FRESH_MS) {
      const reading = ledger;
      reading.loading ??= this.exclusive(reading, async () => {
        reading.confirmed = await this.stored(orgId, placement);
        reading.confirmedAt = Date.now();
      }).finally(() => {
        reading.loading = null;
      });
      await reading.loading;
    }
    return ledger;
  }

  /** The stored usage; an organization without a ledger yet (its data predates quotas) is counted once, streaming its records. */
  private async stored(orgId: ObjectId, placement: Placement): Promise<Usage> {
    const stored = await this.repository.find(orgId);
    if (stored) return stored;
    let documents = 0;
    let bytes = 0;
    for await (const record of this.storage.records(orgId, placement).all(1000)) {
      documents += 1;
      bytes += recordBytes(record.data);
    }
    await this.repository.start(orgId, { documents, bytes });
    return (await this.repository.find(orgId)) ?? { documents, bytes };
  }

  /**
   * Resolves once the ledger holds this instance's pending increments: they go one `$inc` at a time
   * per organization, each carrying everything committed while the previous one was under way.
   */
  private async flushed(orgId: ObjectId, ledger: LocalLedger): Promise<void> {
    // The next increment to start carries what was just committed.
    const carrying = ledger.started + 1;
    while (ledger.done < carrying) {
      ledger.flushing ??= this.exclusive(ledger, () => this.flushOnce(orgId, ledger)).finally(() => {
        ledger.flushing = null;
      });
      // A failed one leaves its increments pending: the next write's increment carries them.
      if (await ledger.flushing) return;
    }
  }

  /** One `$inc` of what is pending, into this instance's part; true when it failed (the increments stay pending). */
  private async flushOnce(orgId: ObjectId, ledger: LocalLedger): Promise<boolean> {
    ledger.started += 1;
    try {
      const slot = await this.slot.current();
      ledger.inFlight = ledger.pending;
      ledger.pending = ZERO;
      await this.repository.add(orgId, slot, ledger.inFlight);
      ledger.confirmed = sum(ledger.confirmed, ledger.inFlight);
      ledger.inFlight = ZERO;
      return false;
    } catch (error) {
      ledger.pending = sum(ledger.pending, ledger.inFlight);
      ledger.inFlight = ZERO;
      this.logger.warn({ err: error, org: orgId.toHexString() }, 'Could not store usage; retrying with the next write');
      return true;
    } finally {
      ledger.done += 1;
    }
  }

  /** Runs the ledger's database operations one at a time, so that a read never overlaps an increment. */
  private async exclusive<T>(ledger: LocalLedger, operation: () => Promise<T>): Promise<T> {
    while (ledger.busy) await ledger.busy.catch(() => undefined);
    const running = operation();
    ledger.busy = running;
    try {
      return await running;
    } finally {
      if (ledger.busy === running) ledger.busy = null;
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
