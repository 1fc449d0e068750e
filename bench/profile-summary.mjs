#!/usr/bin/env node
// Summarizes a V8 CPU profile (`node --cpu-prof`, as BENCH_CPU_PROFILE=1 writes them): self time
// by package (or the service's own file) and by function, as shares of the sampled time.
//
//   node bench/profile-summary.mjs .local/bench/profiles/<file>.cpuprofile [top functions, default 40]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/profile-summary.mjs <file.cpuprofile> [top]\n');
  process.exit(2);
}
const top = Number(topArg ?? 40);
const profile = JSON.parse(readFileSync(file, 'utf8'));

const selfMicros = new Map();
const sampleCount = new Map();
for (const id of profile.samples) sampleCount.set(id, (sampleCount.get(id) ?? 0) + 1);
const total = profile.endTime - profile.startTime;
const perSample = total / profile.samples.length;
for (const node of profile.nodes) selfMicros.set(node.id, (sampleCount.get(node.id) ?? 0) * perSample);

/** Where a frame's code comes from: a package, a file of the service, node's internals, or V8's own entries. */
function placeOf({ url, functionName }) {
  if (!url) return `(${functionName || 'anonymous'})`;
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url;
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? `service ${url.slice(dist + '/dist/'.length)}` : url;
}

const byPlace = new Map();
const byFunction = new Map();
for (const node of profile.nodes) {
  const micros = selfMicros.get(node.id);
  if (!micros) continue;
  const place = placeOf(node.callFrame);
  byPlace.set(place, (byPlace.get(place) ?? 0) + micros);
  const fn = `${node.callFrame.functionName || '(anonymous)'}  ${place}:${node.callFrame.lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
}

const share = (micros) => `${((micros / total) * 100).toFixed(1).padStart(5)}%`;
const print = (title, map, limit) => {
  process.stdout.write(`\n${title}\n`);
  for (const [name, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, limit)) process.stdout.write(`${share(micros)}  ${name}\n`);
};
process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${profile.samples.length} samples\n`);
print('Self time by place', byPlace, 30);
print(`Self time by function (top ${top})`, byFunction, top);

// Inclusive time of the service's own functions: what each costs with everything it calls
// (synchronously; awaited work resumes in a fresh stack and is not counted).
const children = new Map(profile.nodes.map((node) => [node.id, node.children ?? []]));
const nodesById = new Map(profile.nodes.map((node) => [node.id, node]));
const inclusive = new Map();
const totalOf = (id) => {
  if (inclusive.has(id)) return inclusive.get(id);
  const sum = (selfMicros.get(id) ?? 0) + children.get(id).reduce((acc, child) => acc + totalOf(child), 0);
  inclusive.set(id, sum);
  return sum;
};
const byOwnFunction = new Map();
const visit = (id, onStack) => {
  const node = nodesById.get(id);
  const place = placeOf(node.callFrame);
  const key = `${node.callFrame.functionName || '(anonymous)'}  ${place}:${node.callFrame.lineNumber + 1}`;
  const counted = (place.startsWith('service ') || place === 'fastify' || place.startsWith('@nestjs')) && !onStack.has(key);
  if (counted) byOwnFunction.set(key, (byOwnFunction.get(key) ?? 0) + totalOf(id));
  const next = counted ? new Set(onStack).add(key) : onStack;
  for (const child of children.get(id)) visit(child, next);
};
visit(profile.nodes[0].id, new Set());
print(`Inclusive time of the service's, Fastify's and Nest's functions (top ${top})`, byOwnFunction, top);
