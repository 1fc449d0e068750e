#!/usr/bin/env bash
# Quick start: install dependencies if needed, build, and run the service on http://127.0.0.1:3000.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lts-node.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build
exec node scripts/start-local.mjs
