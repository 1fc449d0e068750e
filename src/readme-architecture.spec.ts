import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

/** README.md's architecture section, up to the next section. */
function architectureSection(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Architecture\n');
  if (start === -1) throw new Error('README.md: no "## Architecture" section');
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

/** The section's ```text tree of src/. */
function sourceTree(): string {
  const tree = /```text\nsrc\/\n([\s\S]*?)```/.exec(architectureSection())?.[1];
  if (!tree) throw new Error('README.md: no ```text block starting with src/ in the Architecture section');
  return tree;
}

/** The folder tree in README.md's architecture section: each folder it names, as a path under src/. */
function foldersNamedByTheReadme(): string[] {
  const folders: string[] = [];
  const parents: string[] = [];
  for (const line of sourceTree().split('\n')) {
    const match = /^( +)((?:[a-z][\w.-]*\/ ?)+)(?: {2,}|$)/.exec(line);
    if (!match) continue;
    const depth = match[1].length / 2 - 1;
    const names = match[2].trim().split(/ +/);
    parents.length = depth;
    for (const name of names) folders.push([...parents, name.replace(/\/$/, '')].join('/'));
    if (names.length === 1) parents.push(names[0].replace(/\/$/, ''));
  }
  return folders;
}

/** Every file under `directory`, as paths relative to it. */
function filesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The code the section describes: every non-test TypeScript file of src/, concatenated. */
function sourceCode(): string {
  return filesUnder(join(ROOT, 'src'))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');
}

const unique = (values: string[]) => [...new Set(values)].sort();

describe("README.md's architecture section", () => {
  it('names only folders of src/ that exist', () => {
    const folders = foldersNamedByTheReadme();
    expect(folders.length).toBeGreaterThan(15);
    expect(folders.filter((folder) => !existsSync(join(ROOT, 'src', folder)))).toEqual([]);
  });

  it('names only files that exist: paths in backticks, file names in the tree', () => {
    const paths = unique([...architectureSection().matchAll(/`((?:src|test|scripts|docs)\/[^`\s]*\.[a-z]+)`/g)].map((m) => m[1]));
    expect(paths).toContain('src/common/database/persistence-boundary.spec.ts');
    expect(paths.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);

    const names = unique([...sourceTree().matchAll(/\b[\w-]+(?:\.[\w-]+)*\.(?:ts|mjs)\b/g)].map((m) => m[0]));
    expect(names.length).toBeGreaterThan(3);
    const present = new Set(filesUnder(join(ROOT, 'src')).map((file) => file.slice(file.lastIndexOf('/') + 1)));
    expect(names.filter((name) => !present.has(name))).toEqual([]);
  });

  it('names only classes, decorators and methods that the code has', () => {
    const section = architectureSection();
    const code = sourceCode();
    const pascalCase = /\b[A-Z][a-z]+(?:[A-Z][a-z]*)+\b/g;
    const identifiers = unique([
      // In the tree and the diagram: class and service names.
      ...[...sourceTree().matchAll(pascalCase)].map((m) => m[0]),
      ...[.../```mermaid\n([\s\S]*?)```/.exec(section)![1].matchAll(pascalCase)].map((m) => m[0]),
      // In backticks: those, and method names (`OrganizationsRepository.markActive`, `beginRename`).
      ...[...section.matchAll(/`([^`\n]+)`/g)].flatMap(([, quoted]) => [
        ...[...quoted.matchAll(pascalCase)].map((m) => m[0]),
        ...[...quoted.matchAll(/(?:^|\.)([a-z]+[A-Z]\w*)\b/g)].map((m) => m[1]),
      ]),
    ]);
    expect(identifiers).toEqual(expect.arrayContaining(['JwtAuthGuard', 'OrganizationReconciler', 'markActive']));
    expect(identifiers.filter((identifier) => !new RegExp(`\\b${identifier}\\b`).test(code))).toEqual([]);
  });
});
