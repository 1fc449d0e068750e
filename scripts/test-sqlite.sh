#!/usr/bin/env bash
# The e2e suites again, on FerretDB's SQLite backend: the fallback where PostgreSQL cannot run
# stays proven, and so do the query shapes the two backends handle differently. Uses the dist/
# that `npm test` built. Left out: the suite that requires indexed lookups (SQLite scans), and the
# suites that exercise no query shape of their own: processes (crashes and restarts of the built
# service, launcher, shutdown, a database outage or hang, logs), HTTP conventions (headers, the
# OpenAPI client, the guard on every route, metrics, rate limits, token checks) and latency
# comparisons. They take much of the time and send the same queries as the suites that stay.
# Live moves (and the export during one) are left out too: their catch-up looks records up by id, which SQLite answers by
# scanning, so the cutover's 2 s bound holds only where lookups are indexed; the placement-modes
# suite keeps moves' queries proven on SQLite. Of the webhook suites, the events and SSRF ones stay
# (every query the fan-out and dispatcher send); retries and crashes are timing and processes.
# Results go to reports/jest-results-sqlite.json for .ci/run's summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${MONGODB_URI:-}" ]; then
  echo "test:sqlite: MONGODB_URI is set, so no local FerretDB would be started; unset it to run this" >&2
  exit 2
fi
[ -f dist/main.js ] || npm run build
mkdir -p reports
export LOCAL_DB_BACKEND=sqlite
# The random filters of test/records/queries prove the compiler on PostgreSQL; here a few prove the
# backend's answers (every page reads the whole collection on both, so each filter costs time).
export QUERIES_PROPERTY_FILTERS="${QUERIES_PROPERTY_FILTERS:-10}"
exec node --experimental-vm-modules node_modules/jest/bin/jest.js --runInBand --selectProjects e2e \
  --testPathIgnorePatterns '/test/(placement/moves|placement/move-crash|records/export-during-move|running/local-database|organizations/lifecycle-crash|resilience/outage|resilience/hung-database|running/running-app|running/launcher|running/shutdown|security/enumeration|security/log-redaction|running/request-logs|security/headers|security/tokens|security/floods|security/sessions|security/deny-by-default|openapi/openapi-client|openapi/swagger-ui|running/metrics|webhooks/webhook-retries|webhooks/webhook-crash)\.e2e-spec\.ts$' --json --outputFile=reports/jest-results-sqlite.json "$@"
