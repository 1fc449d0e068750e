// dependency-cruiser's configuration for `npm run lint:cycles` (scripts/folder-cycles.mjs), which
// enforces "every import points one way" between the folders of src/.
//
// The folders ("units") are the top-level folders of src/ (src/auth, src/members, ...; their
// sub-folders belong to them) and, since src/common is a set of independent utilities, each folder
// under src/common (src/common/cache, src/common/errors, ...). `reporterOptions.archi.collapsePattern`
// below names them; scripts/folder-cycles.mjs collapses the cruised import graph to it and fails on
// every cycle between units, direct (A -> B -> A) or around a circle (A -> B -> C -> A), even when
// no file-level cycle exists. dependency-cruiser's own rules cannot say that: `to.circular` is a
// cycle between files, and a `scope: 'folder'` rule takes every directory as its own node (an import
// of src/members/persistence/x.ts is an arrow to src/members/persistence, not to src/members).
// `npx depcruise src --include-only '^src/' -T archi | dot -T svg > folders.svg` draws that folder graph.
//
// Files directly in src/ (main.ts, app.module.ts, app.setup.ts) are the composition root: they may
// import anything and nothing imports them (the rule below).
/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'not-to-composition-root',
      comment: 'main.ts, app.module.ts and app.setup.ts compose the application: no folder of src/ may import them.',
      severity: 'error',
      from: { path: '^src/[^/]+/' },
      to: { path: '^src/[^/]+$' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import the cruiser cannot resolve is an arrow the cycle check would not see.',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    // The arrows that count are those of the shipped code: unit specs and their fakes (left out of the
    // build by tsconfig.build.json too) may reach into whatever they test.
    exclude: { path: ['\\.spec\\.ts$', '\\.fakes\\.ts$'] },
    // Type-only imports (`import type`, types used only in signatures) are design arrows too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    reporterOptions: {
      archi: { collapsePattern: '^src/(?:common/[^/]+|[^/]+)/' },
    },
  },
};
