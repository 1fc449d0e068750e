// Heap snapshots of a service instance (node --heapsnapshot-signal): taking one, waiting until it is
// written, and summing its nodes' self sizes and counts by constructor, the way DevTools' summary
// groups them, to compare two snapshots. Run as a script (`node heap-snapshot.mjs <file>`), it
// prints the summary of one file as JSON, so that a large snapshot is parsed in a process of its own.
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJsonScript } from './processes.mjs';

const MIB = 2 ** 20;

/**
 * Sends SIGUSR2 to `pid` (started with --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=`dir`) and
 * waits until the new `.heapsnapshot` of that process in `dir` is complete: its size has stopped
 * changing and it ends as a snapshot ends (summarize then parses it). Answers the file's path.
 */
export async function takeHeapSnapshot(pid, dir, timeoutMs = 300_000) {
  const ofProcess = () => new Set(readdirSync(dir).filter((name) => name.endsWith('.heapsnapshot') && name.includes(`.${pid}.`)));
  const before = ofProcess();
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  let file;
  let size = -1;
  while (Date.now() < deadline) {
    await new Promise((wake) => setTimeout(wake, 500));
    file ??= [...ofProcess()].find((name) => !before.has(name));
    if (!file) continue;
    const now = statSync(join(dir, file)).size;
    if (now > 0 && now === size && endsLikeSnapshot(join(dir, file), now)) return join(dir, file);
    size = now;
  }
  throw new Error(`no complete heap snapshot of process ${pid} in ${dir} within ${timeoutMs / 1000} s`);
}

/** Whether the file's last bytes close the `strings` array and the snapshot object. */
function endsLikeSnapshot(path, size) {
  const tail = Buffer.alloc(Math.min(64, size));
  const fd = openSync(path, 'r');
  try {
    readSync(fd, tail, 0, tail.length, size - tail.length);
  } finally {
    closeSync(fd);
  }
  return /\]\s*\}\s*$/.test(tail.toString('latin1'));
}

/**
 * Self size and count of the snapshot's nodes by group: the constructor's name for objects, the
 * function's for closures (`name()`), the node type in parentheses for the rest (`(string)`,
 * `(code)`, `(array)`, `(hidden)`, `(native)`...). Reads the file section by section, so that a
 * snapshot larger than the longest string V8 allows is read as well. Answers
 * `{ totalBytes, totalCount, groups: { [name]: { bytes, count } } }`.
 */
export function summarizeHeapSnapshot(path) {
  const buffer = readFileSync(path);
  const nodesAt = buffer.indexOf('"nodes":[');
  if (nodesAt === -1) throw new Error(`${path}: no "nodes" section`);
  const header = JSON.parse(`${buffer.toString('utf8', 0, nodesAt).replace(/,\s*$/, '')}}`);
  const { meta, node_count: nodeCount } = header.snapshot;
  const fields = meta.node_fields;
  const types = meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field));
  const { numbers: nodes, end } = readNumbers(buffer, nodesAt + '"nodes":['.length, nodeCount * fields.length);
  const stringsAt = buffer.indexOf('"strings":[', end);
  if (stringsAt === -1) throw new Error(`${path}: no "strings" section`);
  const strings = readStrings(buffer, stringsAt + '"strings":['.length);

  const groups = new Map();
  let totalBytes = 0;
  for (let at = 0; at < nodes.length; at += fields.length) {
    const type = types[nodes[at + typeAt]];
    const name = strings[nodes[at + nameAt]];
    const key = type === 'object' ? name : type === 'closure' ? `${name || '(anonymous)'}()` : `(${type})`;
    const bytes = nodes[at + sizeAt];
    const group = groups.get(key);
    if (group) {
      group.bytes += bytes;
      group.count += 1;
    } else groups.set(key, { bytes, count: 1 });
    totalBytes += bytes;
  }
  return { totalBytes, totalCount: nodeCount, groups: Object.fromEntries(groups) };
}

/** `count` non-negative integers of a JSON array starting at `start` (after its `[`), and where the array ends. */
function readNumbers(buffer, start, count) {
  const numbers = new Float64Array(count);
  let filled = 0;
  let value = 0;
  let inNumber = false;
  let at = start;
  for (; at < buffer.length; at += 1) {
    const byte = buffer[at];
    if (byte >= 48 && byte <= 57) {
      value = value * 10 + (byte - 48);
      inNumber = true;
    } else {
      if (inNumber) {
        if (filled < count) numbers[filled] = value;
        filled += 1;
        value = 0;
        inNumber = false;
      }
      if (byte === 93) break; // ']'
    }
  }
  if (filled !== count) throw new Error(`expected ${count} numbers, read ${filled}`);
  return { numbers, end: at };
}

/** The strings of a JSON array of strings starting at `start` (after its `[`), parsed some megabytes at a time. */
function readStrings(buffer, start) {
  const strings = [];
  const CHUNK = 16 * MIB;
  let chunkStart = start;
  let at = start;
  const flush = (end) => {
    if (end > chunkStart) for (const string of JSON.parse(`[${buffer.toString('utf8', chunkStart, end)}]`)) strings.push(string);
  };
  while (at < buffer.length) {
    const byte = buffer[at];
    if (byte === 93) break; // ']' outside a string: the end of the array
    if (byte !== 34) {
      at += 1; // ',' or whitespace between strings
      continue;
    }
    // A string: up to its closing quote, skipping escaped characters.
    at += 1;
    while (buffer[at] !== 34) at += buffer[at] === 92 ? 2 : 1;
    at += 1;
    if (at - chunkStart >= CHUNK) {
      flush(at);
      // The next chunk starts at the next string, after the comma.
      while (at < buffer.length && buffer[at] !== 34 && buffer[at] !== 93) at += 1;
      chunkStart = at;
    }
  }
  flush(at);
  return strings;
}

/**
 * The `top` groups that grew most in self size from snapshot summary `before` to `after`, each
 * with its count and MiB in both, plus both snapshots' totals.
 */
export function compareHeapSummaries(before, after, top = 15) {
  const names = new Set([...Object.keys(before.groups), ...Object.keys(after.groups)]);
  const zero = { bytes: 0, count: 0 };
  const growth = [...names]
    .map((name) => {
      const [a, b] = [before.groups[name] ?? zero, after.groups[name] ?? zero];
      return { name, countBefore: a.count, countAfter: b.count, mibBefore: a.bytes / MIB, mibAfter: b.bytes / MIB };
    })
    .sort((x, y) => y.mibAfter - y.mibBefore - (x.mibAfter - x.mibBefore))
    .slice(0, top);
  return {
    totals: {
      countBefore: before.totalCount,
      countAfter: after.totalCount,
      mibBefore: before.totalBytes / MIB,
      mibAfter: after.totalBytes / MIB,
    },
    growth,
  };
}

/**
 * The growth between two heap snapshots (`before`, `after`: paths) as compareHeapSummaries answers
 * it, each snapshot summarized by this script in a process of its own (a snapshot of a large heap
 * takes gigabytes to read).
 */
export async function heapGrowth(before, after, top = 15) {
  const summarize = (file) =>
    runJsonScript('heap snapshot summary', fileURLToPath(import.meta.url), [file], { NODE_OPTIONS: '--max-old-space-size=8192' });
  return compareHeapSummaries(await summarize(before), await summarize(after), top);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(summarizeHeapSnapshot(process.argv[2]))}\n`);
}
