/**
 * Every step of a query plan: PostgreSQL's (`Node Type`, `Index Name`), MongoDB's (`stage`,
 * `indexName`) or SQLite's (`id=2 parent=0 notused=0 detail=SCAN <table>`).
 */
export function planSteps(plan: unknown, steps: string[] = []): string[] {
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

/** A step that reads an index. */
export const INDEX_STEP =
  /^(Index Scan|Index Only Scan|Bitmap Index Scan|IXSCAN|IDHACK|EXPRESS_IXSCAN|EXPRESS_IDHACK|EXPRESS_CLUSTERED_IXSCAN|SEARCH .* USING)\b/;
/** A step that reads the whole collection. */
export const SCAN_STEP = /^(Seq Scan|COLLSCAN|SCAN)\b/;
/** This run started its own FerretDB on PostgreSQL (where the GIN shadows serve indexed lookups). */
export const onPostgres = process.env.TEST_LOCAL_DB_BACKEND === 'postgresql';
