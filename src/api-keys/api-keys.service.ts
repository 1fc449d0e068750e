import { Injectable, OnModuleInit } from '@nestjs/common';
import { AuditAction } from '../audit/audit-action.js';
import { AuditLogService } from '../audit/audit-log.service.js';
import type { AuditTarget } from '../audit/persistence/audit-event.schema.js';
import type { AuthenticatedMember, Principal } from '../common/access/authenticated-member.js';
import { MemberRole } from '../common/access/member-role.js';
import { assertRole } from '../common/access/roles.js';
import { CROSS_INSTANCE_STALENESS_MS, ExpiringCache } from '../common/cache/expiring-cache.js';
import { type ObjectId, newObjectId, toObjectId } from '../common/database/object-id.js';
import type { RequestOrigin } from '../common/http/request-origin.js';
import { DEFAULT_PAGE_SIZE, PageQuery } from '../common/paging/page.query.js';
import { toPage } from '../common/paging/page.js';
import { OrganizationCleanup } from '../organizations/lifecycle/organization-cleanup.js';
import { generateApiKey, hashApiKey, isApiKeyShaped } from './api-key-format.js';
import { ApiKeyUsage } from './api-key-usage.service.js';
import { ApiKeyNotFoundError, ApiKeyOwnerRoleError } from './api-keys.errors.js';
import { ApiKeyPageDto, ApiKeyViewDto, CreatedApiKeyDto } from './dto/api-key.view.dto.js';
import type { ApiKeyRecord } from './persistence/api-key.schema.js';
import { type ApiKeyCredential, ApiKeysRepository } from './persistence/api-keys.repository.js';

/** Keys whose stored state this instance remembers: enough for every key active within the staleness bound on a busy instance. */
const KNOWN_KEY_ENTRIES = 10_000;
/** Hashes found to name no key, remembered as briefly, in a cache of their own so that guessed keys never push real ones out. */
const UNKNOWN_KEY_ENTRIES = 10_000;

/** A key as requests use it: who it acts as, and until when. */
interface KnownKey {
  principal: Principal;
  /** Epoch milliseconds; null when it does not expire. */
  expiresAt: number | null;
}

/**
 * API keys: machine access to one organization with a role (never owner). A key is `oms_` and 256
 * random bits, shown once and stored only as its SHA-256. Checking one costs a hash and, at most
 * once per key per CROSS_INSTANCE_STALENESS_MS on each instance, one indexed read: a revoke (or an
 * organization's delete) applies at once on the instance that made it and within that bound on
 * the others. An organization's delete removes its keys through OrganizationCleanup.
 */
@Injectable()
export class ApiKeysService implements OnModuleInit {
  private readonly known = new ExpiringCache<KnownKey>({ ttlMs: CROSS_INSTANCE_STALENESS_MS, maxEntries: KNOWN_KEY_ENTRIES });
  private readonly unknown = new ExpiringCache<true>({ ttlMs: CROSS_INSTANCE_STALENESS_MS, maxEntries: UNKNOWN_KEY_ENTRIES });

  constructor(
    private readonly apiKeys: ApiKeysRepository,
    private readonly usage: ApiKeyUsage,
    private readonly audit: AuditLogService,
    private readonly cleanup: OrganizationCleanup,
  ) {}

  onModuleInit(): void {
    this.cleanup.register({ deleteOrganizationData: (orgId) => this.deleteOrganizationData(orgId) });
  }

  /**
   * Who the key acts as, or null when it is malformed, unknown, revoked or expired (all 401).
   * Notes the use for `last_used_at`.
   */
  async authenticate(key: string): Promise<Principal | null> {
    if (!isApiKeyShaped(key)) return null;
    const hash = hashApiKey(key);
    if (this.unknown.peek(hash)) return null;
    const found = await this.known.getOrLoad(hash, () => this.load(hash));
    if (!found) return null;
    const now = Date.now();
    if (found.expiresAt !== null && found.expiresAt <= now) return null;
    this.usage.record(found.principal.actor.id, new Date(now));
    return found.principal;
  }

  async create(
    caller: AuthenticatedMember,
    input: { name: string; role: MemberRole; expires_in?: number },
    origin: RequestOrigin,
  ): Promise<CreatedApiKeyDto> {
    if (input.role === MemberRole.Owner) throw new ApiKeyOwnerRoleError();
    assertRole(caller, input.role);
    const key = generateApiKey();
    const now = new Date();
    const apiKey: ApiKeyRecord = {
      _id: newObjectId(),
      org_id: toObjectId(caller.orgId),
      name: input.name,
      role: input.role,
      key_hash: hashApiKey(key),
      created_by: toObjectId(caller.actor.id),
      created_at: now,
      expires_at: input.expires_in === undefined ? null : new Date(now.getTime() + input.expires_in * 1000),
      last_used_at: null,
    };
    await this.apiKeys.insert(apiKey);
    this.unknown.invalidate(apiKey.key_hash);
    await this.audit.record({
      orgId: apiKey.org_id,
      action: AuditAction.ApiKeyCreated,
      actor: caller.actor,
      target: targetOf(apiKey),
      origin,
      details: { role: apiKey.role, expires_at: apiKey.expires_at },
    });
    return { ...toApiKeyView(apiKey), key };
  }

  async list(caller: AuthenticatedMember, query: PageQuery): Promise<ApiKeyPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    // One extra key tells whether another page exists.
    const apiKeys = await this.apiKeys.page(toObjectId(caller.orgId), query.cursor ? toObjectId(query.cursor) : undefined, limit + 1);
    return toPage(apiKeys, limit, toApiKeyView);
  }

  /** Deletes the key; it gets 401 from the next request on this instance, within the staleness bound on the others. */
  async revoke(caller: AuthenticatedMember, keyId: string, origin: RequestOrigin): Promise<void> {
    const revoked = await this.apiKeys.delete(toObjectId(caller.orgId), toObjectId(keyId));
    if (!revoked) throw new ApiKeyNotFoundError();
    this.known.invalidate(revoked.key_hash);
    this.usage.forget(keyId);
    await this.audit.record({
      orgId: revoked.org_id,
      action: AuditAction.ApiKeyRevoked,
      actor: caller.actor,
      target: targetOf(revoked),
      origin,
      details: { role: revoked.role },
    });
  }

  async deleteOrganizationData(orgId: ObjectId): Promise<void> {
    await this.apiKeys.deleteByOrganization(orgId);
    // Which hashes those were is not known here; deletes are rare enough to forget every key.
    this.known.invalidate();
  }

  /** One read by the hash's unique index; a miss is remembered (as briefly as a hit) so that a revoked key retried in a loop costs no read per request. */
  private async load(hash: string): Promise<KnownKey | null> {
    const stored = await this.apiKeys.findByHash(hash);
    if (!stored) {
      this.unknown.set(hash, true);
      return null;
    }
    return knownKeyOf(stored);
  }
}

function knownKeyOf(stored: ApiKeyCredential): KnownKey {
  const principal: Principal = {
    actor: Object.freeze({ type: 'api_key' as const, id: stored._id.toHexString(), name: stored.name }),
    orgId: stored.org_id.toHexString(),
    role: stored.role,
    account: null,
  };
  // Shared by every request with the key until the entry expires: nothing may change it.
  return { principal: Object.freeze(principal), expiresAt: stored.expires_at?.getTime() ?? null };
}

function targetOf(apiKey: Pick<ApiKeyRecord, '_id' | 'name'>): AuditTarget {
  return { type: 'api_key', id: apiKey._id.toHexString(), name: apiKey.name };
}

function toApiKeyView(apiKey: ApiKeyRecord): ApiKeyViewDto {
  return {
    id: apiKey._id.toHexString(),
    name: apiKey.name,
    role: apiKey.role,
    created_by: apiKey.created_by.toHexString(),
    created_at: apiKey.created_at,
    expires_at: apiKey.expires_at,
    last_used_at: apiKey.last_used_at,
  };
}
