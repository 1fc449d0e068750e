#!/usr/bin/env bash
# Quick start: install dependencies if needed, build, and run the service on http://127.0.0.1:3000.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install --no-audit --no-fund
npm run build
exec node scripts/start-local.mjs
