#!/usr/bin/env bash
# The whole test suite: build (one suite runs dist/main.js as a real process), then Jest's unit and
# e2e projects. Results also go to reports/jest-results.json for .ci/run's summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lts-node.sh
npm run build
mkdir -p reports
exec node --experimental-vm-modules node_modules/jest/bin/jest.js --runInBand --json --outputFile=reports/jest-results.json "$@"
