import { Types } from 'mongoose';
import { DirectDatabases, openDatabases } from './support/direct-db.js';
import { openPostgres, PostgresSession } from './support/postgres-query.js';
import { createTestApp, TestApp, uniqueOrg } from './support/test-app.js';

/**
 * The local database must serve the service's hot lookups from an index: on FerretDB's
 * PostgreSQL backend that takes the GIN shadow indexes and the planner settings that
 * scripts/local-postgres.mjs installs; its SQLite backend scans, so this suite fails there
 * (the SQLite run of the e2e project leaves it out, see scripts/test.sh).
 */

/** Enough documents that a scan costs the planner clearly more than an index, analysed or not. */
const FILLER = 2_000;

/**
 * Every step of a plan: PostgreSQL's (`Node Type`, `Index Name`), MongoDB's (`stage`,
 * `indexName`) or SQLite's (`id=2 parent=0 notused=0 detail=SCAN <table>`).
 */
function planSteps(plan: unknown, steps: string[] = []): string[] {
  if (Array.isArray(plan)) plan.forEach((item) => planSteps(item, steps));
  else if (typeof plan === 'string' && plan.includes(' detail=')) steps.push(plan.slice(plan.indexOf(' detail=') + 8));
  else if (plan && typeof plan === 'object') {
    const node = plan as Record<string, unknown>;
    const kind = node['Node Type'] ?? node.stage;
    if (typeof kind === 'string') steps.push([kind, node['Index Name'] ?? node.indexName].filter(Boolean).join(' on '));
    Object.values(node).forEach((value) => planSteps(value, steps));
  }
  return steps;
}

const INDEX_STEP =
  /^(Index Scan|Index Only Scan|Bitmap Index Scan|IXSCAN|IDHACK|EXPRESS_IXSCAN|EXPRESS_IDHACK|EXPRESS_CLUSTERED_IXSCAN|SEARCH .* USING)\b/;
const SCAN_STEP = /^(Seq Scan|COLLSCAN|SCAN)\b/;
const onPostgres = process.env.TEST_LOCAL_DB_BACKEND === 'postgresql';

describe('local database: the service lookups use an index', () => {
  let t: TestApp;
  let db: DirectDatabases;
  let orgId: Types.ObjectId;
  let claimId: string;

  beforeAll(async () => {
    t = await createTestApp();
    db = await openDatabases(t.config);
    const created = await t.http().post('/org/create').send(uniqueOrg('Plans')).expect(201);
    orgId = new Types.ObjectId(created.body.id as string);
    claimId = `org:${created.body.slug}`;
    const owner = new Types.ObjectId();
    await db.master.collection('organizations').insertMany(
      Array.from({ length: FILLER }, (_, i) => ({
        _id: new Types.ObjectId(),
        slug: `filler_${i}`,
        status: 'active',
        created_at: new Date(),
      })),
    );
    await db.master
      .collection('unique_claims')
      .insertMany(
        Array.from({ length: FILLER }, (_, i) => ({ _id: `org:filler_${i}`, owner_id: owner, claimed_at: new Date() })) as never[],
      );
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    await t?.close();
  });

  /** The plan the database reports for `find(filter)`, after checking the lookup finds its document. */
  async function lookupPlan(collection: string, filter: Record<string, unknown>): Promise<string[]> {
    expect(await db.master.collection(collection).findOne(filter)).not.toBeNull();
    const explained = await db.master.collection(collection).find(filter).explain('queryPlanner');
    return planSteps(explained.queryPlanner);
  }

  function expectIndexUse(steps: string[]): void {
    expect({
      steps,
      usesAnIndex: steps.some((step) => INDEX_STEP.test(step)),
      scans: steps.filter((step) => SCAN_STEP.test(step)),
    }).toEqual({
      steps,
      usesAnIndex: true,
      scans: [],
    });
    // FerretDB's own btree indexes cannot serve its `@>` filters: an index it uses is a shadow.
    if (onPostgres) expect(steps.filter((step) => INDEX_STEP.test(step))).toEqual([expect.stringMatching(/_gin$/)]);
  }

  it('finds an organization by _id through an index', async () => {
    expectIndexUse(await lookupPlan('organizations', { _id: orgId }));
  });

  it('finds a unique claim (a name or email) by _id through an index', async () => {
    expectIndexUse(await lookupPlan('unique_claims', { _id: claimId }));
  });

  // Only where this run started its own FerretDB on PostgreSQL: the cluster is then ours to inspect.
  if (process.env.TEST_LOCAL_POSTGRES_URL) {
    describe('the PostgreSQL cluster under FerretDB', () => {
      let pg: PostgresSession;
      let tables: Record<string, string>;
      const schema = () => `"${t.config.mongo.masterDbName}"`;

      beforeAll(async () => {
        pg = await openPostgres(process.env.TEST_LOCAL_POSTGRES_URL!);
        const rows = await pg.query(
          `SELECT _jsonb->>'_id' AS collection, _jsonb->>'table' AS "table" FROM ${schema()}._ferretdb_database_metadata`,
        );
        tables = Object.fromEntries(rows.map((row) => [row.collection, row.table]));
      });

      afterAll(async () => {
        await pg?.close();
      });

      it.each(['organizations', 'unique_claims'])(
        'has a GIN jsonb_path_ops shadow, fastupdate off, beside each single-field index of %s',
        async (collection) => {
          expect(tables[collection]).toEqual(expect.any(String));
          const indexes = await pg.query(
            `SELECT c.relname AS name, am.amname AS method, i.indnatts::text AS columns, pg_get_indexdef(i.indexrelid, 1, false) AS expression,
                  array_to_string(c.reloptions, ',') AS options, pg_get_indexdef(i.indexrelid) AS definition
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
            WHERE i.indrelid = '${schema()}."${tables[collection]}"'::regclass ORDER BY c.relname`,
          );
          const single = indexes.filter((index) => index.method === 'btree' && index.columns === '1');
          expect(single.map((index) => index.expression)).toContain(`((_jsonb -> '_id'::text))`);
          for (const btree of single) {
            const shadow = indexes.find((index) => index.name === btree.name!.replace(/_idx$/, '_gin'));
            expect({
              of: btree.name,
              method: shadow?.method,
              expression: shadow?.expression,
              options: shadow?.options,
              definition: shadow?.definition,
            }).toEqual({
              of: btree.name,
              method: 'gin',
              expression: btree.expression,
              options: 'fastupdate=off',
              definition: expect.stringContaining('jsonb_path_ops'),
            });
          }
        },
      );

      it('plans the statement FerretDB prepares for a lookup by _id on the shadow index at every execution', async () => {
        // FerretDB's driver prepares `_jsonb->$1 @> $2` once and executes it again and again; a
        // generic plan, which PostgreSQL may switch to after five executions, cannot use the index.
        expect(await pg.query('SHOW plan_cache_mode')).toEqual([{ plan_cache_mode: 'force_custom_plan' }]);
        await pg.query(`PREPARE lookup(text, jsonb) AS SELECT _jsonb FROM ${schema()}."${tables.organizations}" WHERE _jsonb->$1 @> $2`);
        const execute = `EXECUTE lookup('_id', '"${orgId.toHexString()}"')`;
        for (let i = 0; i < 8; i += 1) expect(await pg.query(execute)).toHaveLength(1);
        const [explained] = await pg.query(`EXPLAIN (FORMAT JSON) ${execute}`);
        expectIndexUse(planSteps(JSON.parse(explained['QUERY PLAN']!)));
        await pg.query('DEALLOCATE lookup');
      });
    });
  }
});
