import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { ApiKeysRepository } from './persistence/api-keys.repository.js';

/**
 * Keeps API keys' `last_used_at` within API_KEY_USAGE_FLUSH_SECONDS (at most a minute) without a
 * write per request: a use is remembered in memory (one entry per key, so bounded by the keys that
 * exist), and every interval the keys used since the last flush get one `$max` update each, in
 * one round trip. A flush that fails keeps its uses for the next one; the last flush runs at
 * shutdown, after the HTTP server has finished its requests and before the database closes.
 */
@Injectable()
export class ApiKeyUsage implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ApiKeyUsage.name);
  /** Key id -> its latest use on this instance not yet written. */
  private pending = new Map<string, Date>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly apiKeys: ApiKeysRepository,
    private readonly config: AppConfig,
  ) {}

  /** Notes a use of the key now; costs a map write. */
  record(keyId: string, at: Date = new Date()): void {
    this.pending.set(keyId, at);
  }

  /** Drops the uses of a key that is gone. */
  forget(keyId: string): void {
    this.pending.delete(keyId);
  }

  /** Writes the uses noted since the last flush; a flush in progress is joined, not repeated. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), this.config.apiKeyUsageFlushSeconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const uses = this.pending;
    this.pending = new Map();
    try {
      await this.apiKeys.recordUses(uses);
    } catch (error) {
      // Kept for the next flush, unless a later use of the key was noted meanwhile.
      for (const [keyId, at] of uses) if (!this.pending.has(keyId)) this.pending.set(keyId, at);
      this.logger.warn(`Writing the last use of ${uses.size} API keys failed; retrying at the next flush: ${(error as Error).message}`);
    }
  }
}
