#!/usr/bin/env bash
# The e2e project again, on FerretDB's SQLite backend: the fallback where PostgreSQL cannot run
# stays proven, and so do the query shapes it handles differently. Uses the dist/ that `npm test`
# built. Leaves out the suite that requires indexed lookups, which SQLite cannot serve.
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
exec node --experimental-vm-modules node_modules/jest/bin/jest.js --runInBand --selectProjects e2e \
  --testPathIgnorePatterns 'test/local-database\.e2e-spec\.ts$' --json --outputFile=reports/jest-results-sqlite.json "$@"
