import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Files that may talk to the database: repositories and schemas (in `persistence/` folders, or the
 * common lock and uniqueness stores), the TenantModule's storage and cluster connections, and the database module.
 * Modules may name their schemas for `MongooseModule.forFeature`.
 */
function mayUseMongoose(file: string): boolean {
  return (
    file.includes('/persistence/') ||
    file.endsWith('.repository.ts') ||
    file.endsWith('.schema.ts') ||
    file.startsWith('common/database/') ||
    file === 'tenants/tenant-storage.service.ts' ||
    file === 'tenants/clusters/tenant-clusters.service.ts' ||
    file === 'tenants/tenants.module.ts' ||
    // Parses TENANT_CLUSTERS' URIs with the driver's own parser, connecting to nothing.
    file === 'config/environment.ts'
  );
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [relative(SRC, path)] : [];
  });
}

const MONGOOSE_IMPORT = /from '(mongoose|mongodb)'/;
const MODEL_USE = /\bInjectModel\b|\bModel<|getModelToken|getConnectionToken/;

describe('persistence boundary', () => {
  const files = sourceFiles(SRC);

  it('finds the source tree', () => {
    expect(files).toContain('organizations/persistence/organizations.repository.ts');
  });

  it('keeps Mongoose and the driver inside repositories, schemas and the tenant collection service', () => {
    const offenders = files.filter((file) => {
      if (mayUseMongoose(file)) return false;
      const source = readFileSync(join(SRC, file), 'utf8');
      return MONGOOSE_IMPORT.test(source) || MODEL_USE.test(source);
    });
    expect(offenders).toEqual([]);
  });
});
