// Jest's own order (slowest suites first, from the timings of earlier runs), except that the
// documented-statuses suite runs last: it reads the statuses every suite before it observed.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Sequencer from '@jest/test-sequencer';

const LAST = 'documented-statuses.e2e-spec.ts';

function e2eSuitesOnDisk(dir) {
  let count = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) count += e2eSuitesOnDisk(join(dir, entry.name));
    else if (entry.name.endsWith('.e2e-spec.ts')) count += 1;
  }
  return count;
}

export default class RunDocumentedStatusesLast extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const ordered = [...sorted.filter((test) => !test.path.endsWith(LAST)), ...sorted.filter((test) => test.path.endsWith(LAST))];
    // Whether every e2e suite runs (in this process, in order): only then can each documented status be expected to be seen.
    const e2e = tests.filter((test) => test.path.endsWith('.e2e-spec.ts')).length;
    process.env.TEST_ALL_E2E_SUITES = String(e2e === e2eSuitesOnDisk(join(process.cwd(), 'test')));
    return ordered;
  }
}
