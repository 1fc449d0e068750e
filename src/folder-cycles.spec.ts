import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkFolderCycles, formatFindings } from '../scripts/folder-cycles.mjs';

// `npm run lint:cycles` (scripts/folder-cycles.mjs with .dependency-cruiser.mjs), run through
// dependency-cruiser on small trees written here: one with folder cycles but no cycle between files,
// and a control tree whose imports all point one way.

function writeTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'folder-cycles-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('the folder cycle check', () => {
  const roots: string[] = [];
  const cruise = (files: Record<string, string>) => {
    const baseDir = writeTree(files);
    roots.push(baseDir);
    return checkFolderCycles({ baseDir });
  };
  afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

  it('reports folders that import each other through different files or around a circle, and imports of the root', async () => {
    const check = await cruise({
      'src/main.ts': "import { alpha } from './alpha/alpha.service.js';\nalpha();\n",
      // alpha -> beta and beta -> alpha, through four different files: no file imports itself back.
      // The arrow back is type-only and points into a sub-folder of alpha.
      'src/alpha/alpha.service.ts': "import { beta } from '../beta/beta.js';\nexport const alpha = () => beta();\n",
      'src/alpha/model/alpha-model.ts': 'export interface AlphaModel {\n  id: string;\n}\n',
      'src/beta/beta.ts': 'export const beta = () => 1;\n',
      'src/beta/beta-view.ts':
        "import type { AlphaModel } from '../alpha/model/alpha-model.js';\nexport const view = (model: AlphaModel) => model.id;\n",
      // gamma -> delta -> epsilon -> gamma.
      'src/gamma/gamma.ts': "import { delta } from '../delta/delta.js';\nexport const gamma = delta;\n",
      'src/gamma/gamma-id.ts': 'export const gammaId = 1;\n',
      'src/delta/delta.ts': 'export const delta = 2;\n',
      'src/delta/delta-ref.ts': "import { epsilon } from '../epsilon/epsilon.js';\nexport const deltaRef = epsilon;\n",
      'src/epsilon/epsilon.ts': 'export const epsilon = 3;\n',
      'src/epsilon/epsilon-ref.ts': "import { gammaId } from '../gamma/gamma-id.js';\nexport const epsilonRef = gammaId;\n",
      // Each folder of src/common is a folder of its own.
      'src/common/one/one.ts': "import { two } from '../two/two.js';\nexport const one = two;\n",
      'src/common/one/one-id.ts': 'export const oneId = 1;\n',
      'src/common/two/two.ts': 'export const two = 2;\n',
      'src/common/two/two-ref.ts': "import { oneId } from '../one/one-id.js';\nexport const twoRef = oneId;\n",
      // Nothing imports the composition root.
      'src/app.module.ts': 'export class AppModule {}\n',
      'src/delta/boot.ts': "import { AppModule } from '../app.module.js';\nexport const boot = AppModule;\n",
      // An import the cruiser cannot resolve would be an arrow it does not see.
      'src/gamma/broken.ts': "import { gone } from './gone.js';\nexport const broken = gone;\n",
    });

    expect(check.groups).toEqual([
      ['src/alpha', 'src/beta'],
      ['src/common/one', 'src/common/two'],
      ['src/delta', 'src/epsilon', 'src/gamma'],
    ]);
    // One folder arrow on a cycle: its folders (src/ left out), the one import that makes it, and the cycle.
    const arrow = (cycle: string[], from: string, to: string, typeOnly = false) => ({
      from: `src/${cycle[0]}`,
      to: `src/${cycle[1]}`,
      cycle: cycle.map((folder) => `src/${folder}`),
      imports: [{ from: `src/${from}`, to: `src/${to}`, typeOnly }],
    });
    expect(check.arrows).toEqual([
      arrow(['alpha', 'beta', 'alpha'], 'alpha/alpha.service.ts', 'beta/beta.ts'),
      arrow(['beta', 'alpha', 'beta'], 'beta/beta-view.ts', 'alpha/model/alpha-model.ts', true),
      arrow(['common/one', 'common/two', 'common/one'], 'common/one/one.ts', 'common/two/two.ts'),
      arrow(['common/two', 'common/one', 'common/two'], 'common/two/two-ref.ts', 'common/one/one-id.ts'),
      arrow(['delta', 'epsilon', 'gamma', 'delta'], 'delta/delta-ref.ts', 'epsilon/epsilon.ts'),
      arrow(['epsilon', 'gamma', 'delta', 'epsilon'], 'epsilon/epsilon-ref.ts', 'gamma/gamma-id.ts'),
      arrow(['gamma', 'delta', 'epsilon', 'gamma'], 'gamma/gamma.ts', 'delta/delta.ts'),
    ]);
    expect(check.violations).toEqual([
      { rule: 'not-to-composition-root', from: 'src/delta/boot.ts', to: 'src/app.module.ts' },
      { rule: 'not-to-unresolvable', from: 'src/gamma/broken.ts', to: './gone.js' },
    ]);
    expect(formatFindings(check)).toContain('src/beta/beta-view.ts → src/alpha/model/alpha-model.ts   (type-only)');
  });

  it('passes a tree whose imports all point one way, and leaves unit specs out', async () => {
    const check = await cruise({
      'src/main.ts': "import { AppModule } from './app.module.js';\nexport const app = AppModule;\n",
      'src/app.module.ts':
        "import { alpha } from './alpha/alpha.service.js';\nimport { view } from './beta/beta-view.js';\nexport const AppModule = [alpha, view];\n",
      'src/alpha/alpha.service.ts':
        "import { beta } from '../beta/beta.js';\nimport { one } from '../common/one/one.js';\nexport const alpha = () => beta() + one;\n",
      'src/alpha/model/alpha-model.ts': 'export interface AlphaModel {\n  id: string;\n}\n',
      'src/beta/beta.ts': "import type { Two } from '../common/two/two.js';\nexport const beta = (): Two => 1;\n",
      'src/beta/beta-view.ts': "import type { One } from '../common/one/one.js';\nexport const view = (value: One) => value;\n",
      // A spec may reach back into what uses its folder: it is no arrow of the shipped code.
      'src/beta/beta.spec.ts': "import { alpha } from '../alpha/alpha.service.js';\nexport const tested = alpha;\n",
      'src/common/one/one.ts': "import { two } from '../two/two.js';\nexport type One = number;\nexport const one: One = two;\n",
      'src/common/two/two.ts': 'export type Two = number;\nexport const two: Two = 2;\n',
    });

    expect(check.units).toEqual(['src/alpha', 'src/beta', 'src/common/one', 'src/common/two']);
    expect(check.groups).toEqual([]);
    expect(check.arrows).toEqual([]);
    expect(check.violations).toEqual([]);
    expect(formatFindings(check)).toBe('');
  });
});
