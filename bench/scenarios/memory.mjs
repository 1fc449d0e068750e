// Memory: the large service instance's resident and heap memory and its tenant model cache as more
// of its organizations are used.
import { scrapeMetrics, serviceApi } from '../lib/api.mjs';
import { forEachLimited } from '../lib/seed.mjs';

/**
 * Reads the `large` instance's memory, then, for each of `settings.memoryCheckpoints`, makes one
 * authenticated GET /org/records?limit=1 as each not yet used organization of `organizations` up to
 * that many (`settings.connections` at a time, tokens from `tokenFor`) and reads it again. Answers
 * the result file's `memory`: one reading per checkpoint, the first with no organization used.
 */
export async function memoryByOrganizationsUsed({ settings, large, organizations, tokenFor }) {
  const api = serviceApi(large.baseUrl);
  const memory = [{ organizationsUsed: 0, ...(await memoryReading(large)) }];
  let used = 0;
  for (const checkpoint of settings.memoryCheckpoints) {
    await forEachLimited(organizations.slice(used, checkpoint), settings.connections, async (org) => {
      await api.callExpecting('GET', '/org/records?limit=1', { token: tokenFor(org), expect: 200 });
    });
    used = checkpoint;
    memory.push({ organizationsUsed: used, ...(await memoryReading(large)) });
  }
  return memory;
}

async function memoryReading(instance) {
  const metrics = await scrapeMetrics(instance.baseUrl);
  return {
    residentMiB: metrics.process_resident_memory_bytes / 2 ** 20,
    heapUsedMiB: metrics.nodejs_heap_size_used_bytes / 2 ** 20,
    tenantModelCacheSize: metrics.tenant_model_cache_size,
  };
}
