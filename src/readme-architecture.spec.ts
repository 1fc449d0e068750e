import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

/** The folder tree in README.md's architecture section: each folder it names, as a path under src/. */
function foldersNamedByTheReadme(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Architecture'));
  const tree = /```text\nsrc\/\n([\s\S]*?)```/.exec(section)?.[1];
  if (!tree) throw new Error('README.md: no ```text block starting with src/ in the Architecture section');
  const folders: string[] = [];
  const parents: string[] = [];
  for (const line of tree.split('\n')) {
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

describe("README.md's architecture section", () => {
  it('names only folders of src/ that exist', () => {
    const folders = foldersNamedByTheReadme();
    expect(folders.length).toBeGreaterThan(15);
    expect(folders.filter((folder) => !existsSync(join(ROOT, 'src', folder)))).toEqual([]);
  });
});
