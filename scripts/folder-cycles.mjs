#!/usr/bin/env node
// `npm run lint:cycles`: fails when two folders of src/ import each other, directly or around a
// circle. dependency-cruiser reads and resolves the imports (TypeScript, `./x.js` for x.ts, type-only
// imports) with the repository's .dependency-cruiser.mjs and checks that file's rules; this script
// collapses the file graph to the folders that file names (reporterOptions.archi.collapsePattern)
// and reports every import that lies on a cycle between them (Tarjan's strongly connected
// components: an arrow between two folders of one component is on a cycle, and only those are).
//
//   node scripts/folder-cycles.mjs [dir ...]   folders to cruise, relative to the repository root (default: src)
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CONFIG_FILE = resolve(REPO_ROOT, '.dependency-cruiser.mjs');

/**
 * Cruises `paths` (relative to `baseDir`) with the configuration in `configFile` and checks it.
 * Paths in the configuration (tsConfig) are relative to the configuration file's folder.
 */
export async function checkFolderCycles({ baseDir = REPO_ROOT, paths = ['src'], configFile = CONFIG_FILE } = {}) {
  const options = await extractDepcruiseOptions(configFile);
  const unitPattern = options.reporterOptions?.archi?.collapsePattern;
  if (typeof unitPattern !== 'string') throw new Error(`${configFile}: options.reporterOptions.archi.collapsePattern names no folders`);
  let tsConfig;
  if (options.tsConfig?.fileName) {
    const fileName = resolve(dirname(configFile), options.tsConfig.fileName);
    options.tsConfig = { ...options.tsConfig, fileName };
    tsConfig = extractTSConfig(fileName);
  }
  // Without an outputType, `output` is the cruise result itself (modules, summary).
  const { output: result } = await cruise(paths, { ...options, baseDir }, {}, { tsConfig });
  const violations = result.summary.violations
    .filter((violation) => violation.rule.severity === 'error')
    .map(({ rule, from, to }) => ({ rule: rule.name, from, to }));
  return { modules: result.modules.length, violations, ...findFolderCycles(result.modules, unitPattern) };
}

/**
 * The folder ("unit") a path belongs to: the match of `unitPattern` without its trailing slash, or
 * undefined for paths it does not match (the composition root, packages, node's modules).
 */
export function unitOf(path, unitPattern) {
  const match = new RegExp(unitPattern).exec(path);
  return match ? match[0].replace(/\/$/, '') : undefined;
}

/**
 * The folder graph of dependency-cruiser's `modules` and its cycles: `groups` are the strongly
 * connected components of more than one folder (folders that reach each other), `arrows` every
 * folder -> folder arrow inside one, with the file imports that make it and the shortest way back
 * that closes a cycle through it.
 */
export function findFolderCycles(modules, unitPattern) {
  /** @type {Map<string, Map<string, {from: string, to: string, typeOnly: boolean}[]>>} */
  const graph = new Map();
  for (const module of modules) {
    const fromUnit = unitOf(module.source, unitPattern);
    if (fromUnit === undefined) continue;
    if (!graph.has(fromUnit)) graph.set(fromUnit, new Map());
    for (const dependency of module.dependencies) {
      const toUnit = unitOf(dependency.resolved, unitPattern);
      if (toUnit === undefined || toUnit === fromUnit) continue;
      if (!graph.has(toUnit)) graph.set(toUnit, new Map());
      const imports = graph.get(fromUnit).get(toUnit) ?? [];
      imports.push({ from: module.source, to: dependency.resolved, typeOnly: dependency.dependencyTypes.includes('type-only') });
      graph.get(fromUnit).set(toUnit, imports);
    }
  }

  const groups = stronglyConnectedComponents(graph).filter((group) => group.length > 1);
  const groupOf = new Map(groups.flatMap((group, index) => group.map((unit) => [unit, index])));
  const arrows = [];
  for (const [fromUnit, targets] of [...graph].sort(([a], [b]) => a.localeCompare(b))) {
    for (const [toUnit, imports] of [...targets].sort(([a], [b]) => a.localeCompare(b))) {
      if (!groupOf.has(fromUnit) || groupOf.get(fromUnit) !== groupOf.get(toUnit)) continue;
      const sortedImports = imports.sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
      arrows.push({ from: fromUnit, to: toUnit, cycle: [fromUnit, ...shortestPath(graph, toUnit, fromUnit)], imports: sortedImports });
    }
  }
  return { units: [...graph.keys()].sort(), groups, arrows };
}

/** Tarjan's algorithm; each component sorted, components in order of their first folder. */
function stronglyConnectedComponents(graph) {
  const index = new Map();
  const lowLink = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  const visit = (unit) => {
    index.set(unit, index.size);
    lowLink.set(unit, index.get(unit));
    stack.push(unit);
    onStack.add(unit);
    for (const next of graph.get(unit).keys()) {
      if (!index.has(next)) {
        visit(next);
        lowLink.set(unit, Math.min(lowLink.get(unit), lowLink.get(next)));
      } else if (onStack.has(next)) {
        lowLink.set(unit, Math.min(lowLink.get(unit), index.get(next)));
      }
    }
    if (lowLink.get(unit) === index.get(unit)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== unit);
      components.push(component.sort());
    }
  };
  for (const unit of [...graph.keys()].sort()) if (!index.has(unit)) visit(unit);
  return components.sort((a, b) => a[0].localeCompare(b[0]));
}

/** Breadth-first: the folders from `start` to `goal`, both included (neighbours in name order). */
function shortestPath(graph, start, goal) {
  const previous = new Map([[start, undefined]]);
  const queue = [start];
  while (queue.length > 0) {
    const unit = queue.shift();
    if (unit === goal) break;
    for (const next of [...graph.get(unit).keys()].sort()) {
      if (previous.has(next)) continue;
      previous.set(next, unit);
      queue.push(next);
    }
  }
  const path = [];
  for (let unit = goal; unit !== undefined; unit = previous.get(unit)) path.unshift(unit);
  return path;
}

/** The check's findings as text, one import a line; empty when there are none. */
export function formatFindings({ violations, groups, arrows }) {
  const lines = [];
  for (const { rule, from, to } of violations) lines.push(`error ${rule}: ${from} → ${to}`);
  groups.forEach((group, index) => {
    lines.push(`error folder-cycle: folders that import each other (group ${index + 1}): ${group.join(', ')}`);
    for (const arrow of arrows.filter(({ from }) => group.includes(from))) {
      lines.push(`  ${arrow.from} → ${arrow.to}   (cycle: ${arrow.cycle.join(' → ')})`);
      for (const { from, to, typeOnly } of arrow.imports) lines.push(`      ${from} → ${to}${typeOnly ? '   (type-only)' : ''}`);
    }
  });
  return lines.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const dirs = process.argv.slice(2);
  const outcome = await checkFolderCycles(dirs.length > 0 ? { paths: dirs } : {});
  const findings = formatFindings(outcome);
  if (findings) console.log(findings);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const summary =
    `${outcome.groups.length} folder cycle group(s), ${outcome.arrows.length} folder arrow(s) on a cycle, ` +
    `${outcome.violations.length} rule violation(s); ${outcome.modules} modules, ${outcome.units.length} folders, ${seconds} s`;
  console.log(`${findings ? '✖' : '✔'} ${summary}`);
  process.exitCode = findings ? 1 : 0;
}
