import { Types } from 'mongoose';
import { DirectDatabases, openDatabases } from '../support/direct-db.js';
import { openPostgres, PostgresSession } from '../support/postgres-query.js';
import { createTestApp, TestApp, uniqueOrg } from '../support/test-app.js';
import { INDEX_STEP, onPostgres, planSteps, SCAN_STEP } from '../support/query-plans.js';

/**
 * The local database must serve the service's hot lookups from an index: on FerretDB's
 * PostgreSQL backend that takes the GIN shadow indexes and the planner settings that
 * scripts/local-postgres.mjs installs; its SQLite backend scans, so this suite fails there
 * (the SQLite run of the e2e project leaves it out, see scripts/test.sh).
 */

/** Enough documents that a scan costs the planner clearly more than an index, analysed or not. */
const FILLER = 2_000;

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

  // An organization's own indexes on its records' data paths, as MongoDB's `createIndex` makes
  // them: a non-unique one ends in `_id`, so a sorted page can be read in index order. On FerretDB's
  // PostgreSQL backend the lookups take the GIN shadow of the index's leading path, which FerretDB
  // can only use with nested pushdown on (scripts/ferretdb.mjs).
  describe('records with indexes on data paths', () => {
    /** Shaped like an organization's own records; its name is not a tenant collection's, so the service leaves it alone. */
    const records = () => db.tenant.collection('indexed_records');
    const tagged = new Types.ObjectId();
    const statusNull = new Types.ObjectId();
    const statusMissing = new Types.ObjectId();

    beforeAll(async () => {
      await records().createIndex({ 'data.status': 1, _id: 1 });
      await records().createIndex({ 'data.email': 1 }, { unique: true, sparse: true });
      await records().createIndex({ 'data.address.city': 1, 'data.status': -1, _id: 1 });
      await records().createIndex({ 'data.tags': 1, _id: 1 });
      const at = new Date();
      const record = (_id: Types.ObjectId, data: Record<string, unknown>) => ({ _id, org_id: orgId, data, created_at: at, updated_at: at });
      await records().insertMany([
        ...Array.from({ length: FILLER }, (_, i) =>
          record(new Types.ObjectId(), {
            status: `s${i % 50}`,
            email: `user${i}@example.com`,
            address: { city: `c${i % 50}` },
            tags: [`t${i % 50}`],
          }),
        ),
        record(tagged, { status: 'tagged', tags: ['x', 'y'] }),
        record(statusNull, { status: null }),
        record(statusMissing, {}),
      ]);
    }, 120_000);

    /** A page as the service reads it: one more than it returns, to know whether another follows. */
    const PAGE = 21;

    /**
     * The plan of a page of `filter`'s records in `sort` order, after checking the page has
     * `expected` records in `_id` order (every filter here ties the sort's data fields).
     */
    async function pagePlan(filter: Record<string, unknown>, sort: Record<string, 1 | -1>, expected: number): Promise<string[]> {
      const page = await records().find(filter).sort(sort).limit(PAGE).toArray();
      expect(page).toHaveLength(expected);
      const ids = page.map((record) => String(record._id));
      expect(ids).toEqual([...ids].sort());
      const explained = await records().find(filter).sort(sort).limit(PAGE).explain('queryPlanner');
      return planSteps(explained.queryPlanner);
    }

    /** On PostgreSQL, the index used is the shadow of the index whose FerretDB name holds `part`. */
    function expectShadowOf(steps: string[], part: string): void {
      expectIndexUse(steps);
      if (onPostgres) expect(steps.filter((step) => INDEX_STEP.test(step))).toEqual([expect.stringContaining(part)]);
    }

    it('pages through the records of one status, in index order, through an index', async () => {
      const steps = await pagePlan({ org_id: orgId, 'data.status': 's3' }, { 'data.status': 1, _id: 1 }, PAGE);
      expectShadowOf(steps, '_data_status_');
    });

    it('finds a record by a unique data field through an index', async () => {
      const steps = await pagePlan({ org_id: orgId, 'data.email': 'user3@example.com' }, { _id: 1 }, 1);
      expectShadowOf(steps, '_data_email_');
    });

    it('pages through the records of a nested data field, led by it in a compound index, through an index', async () => {
      const steps = await pagePlan(
        { org_id: orgId, 'data.address.city': 'c7' },
        { 'data.address.city': 1, 'data.status': -1, _id: 1 },
        PAGE,
      );
      expectShadowOf(steps, '_data_address_city_');
    });

    it('finds a record by one element of an array through an index', async () => {
      for (const tag of ['x', 'y']) {
        const steps = await pagePlan({ org_id: orgId, 'data.tags': tag }, { 'data.tags': 1, _id: 1 }, 1);
        expectShadowOf(steps, '_data_tags_');
        expect(String((await records().findOne({ org_id: orgId, 'data.tags': tag }))?._id)).toBe(String(tagged));
      }
    });

    it('matches a null status to the records whose status is null or missing', async () => {
      const found = await records().find({ org_id: orgId, 'data.status': null }).sort({ _id: 1 }).toArray();
      expect(found.map((record) => String(record._id))).toEqual([String(statusNull), String(statusMissing)]);
    });
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

      /**
       * The expression of the shadow of a btree index column that `pg_get_indexdef` prints as
       * `((_jsonb -> 'f'::text))` or `(((_jsonb -> 'a'::text) -> 'b'::text))`: the btree's own for
       * a top-level field, `((_jsonb #> '{a,b}'::text[]))` (FerretDB's filter on a dotted key) for a path.
       */
      function shadowExpression(column: string): string {
        const keys = [...column.matchAll(/ -> '((?:[^']|'')*)'::text\)/g)].map((match) => match[1].replace(/''/g, "'"));
        return keys.length === 1 ? column : `((_jsonb #> '{${keys.join(',')}}'::text[]))`;
      }

      it.each(['organizations', 'unique_claims', 'audit_events', 'memberships'])(
        'has a GIN jsonb_path_ops shadow, fastupdate off, on the leading field of each index of %s',
        async (collection) => {
          expect(tables[collection]).toEqual(expect.any(String));
          const indexes = await pg.query(
            `SELECT c.relname AS name, am.amname AS method, i.indnatts::text AS columns, pg_get_indexdef(i.indexrelid, 1, false) AS expression,
                  array_to_string(c.reloptions, ',') AS options, pg_get_indexdef(i.indexrelid) AS definition
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
            WHERE i.indrelid = '${schema()}."${tables[collection]}"'::regclass ORDER BY c.relname`,
          );
          const btrees = indexes.filter((index) => index.method === 'btree');
          const shadows = indexes.filter((index) => index.method === 'gin');
          expect(btrees.map((index) => index.expression)).toContain(`((_jsonb -> '_id'::text))`);
          for (const shadow of shadows) {
            expect({ of: shadow.name, options: shadow.options, definition: shadow.definition }).toEqual({
              of: shadow.name,
              options: 'fastupdate=off',
              definition: expect.stringContaining('jsonb_path_ops'),
            });
          }
          for (const btree of btrees) {
            // A single-field index has its own; a compound one may share another index's.
            const own = shadows.find((index) => index.name === btree.name!.replace(/_idx$/, '_gin'));
            const serving = btree.columns === '1' ? own : shadows.find((index) => index.expression === shadowExpression(btree.expression!));
            expect({ of: btree.name, expression: serving?.expression }).toEqual({
              of: btree.name,
              expression: shadowExpression(btree.expression!),
            });
          }
          // One shadow per field, but where two single-field indexes (ascending, descending) share it.
          const compoundShadows = shadows.filter((shadow) =>
            btrees.some((btree) => btree.columns !== '1' && shadow.name === btree.name!.replace(/_idx$/, '_gin')),
          );
          for (const shadow of compoundShadows) {
            expect(shadows.filter((other) => other.expression === shadow.expression).map((other) => other.name)).toEqual([shadow.name]);
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
