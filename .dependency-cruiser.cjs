// Import boundaries (STYLE.md, "Boundaries"): pages → server → features → the ticket model, one way only.
// Each folder lists what it may import; anything else under src/ is a violation, so folder-level cycles cannot form.
const layers = {
  config: [],
  tickets: ['config'],
  store: ['config', 'tickets'],
  'git-host': ['config', 'tickets'],
  'local-host': [],
  mail: ['config', 'tickets', 'store'],
  outbox: ['config', 'tickets', 'store', 'git-host'],
  kb: ['config'],
  offline: ['config', 'kb'],
  desk: ['config', 'tickets', 'store', 'git-host', 'outbox', 'mail'],
  staff: ['config', 'tickets', 'store', 'git-host'],
  workflow: ['config', 'tickets', 'store', 'git-host', 'mail'],
  // Knowledgebase insights: article votes, search counts, article requests opened on the Git host.
  insights: ['config', 'tickets', 'store', 'git-host', 'kb'],
  // Browser scripts: they run in the page and share only plain types and text with the server.
  scripts: ['config', 'kb', 'offline', 'tickets', 'desk'],
  server: ['config', 'tickets', 'store', 'git-host', 'local-host', 'mail', 'outbox', 'kb', 'offline', 'desk', 'staff', 'workflow', 'insights'],
  integrations: ['config', 'kb', 'offline', 'server'],
};
const folders = Object.keys(layers);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A module cycle; the layers below make folder cycles impossible, this catches them inside a folder.',
      from: { path: '^src' },
      to: { circular: true },
    },
    ...folders.map((folder) => ({
      name: `layer-${folder}`,
      severity: 'error',
      comment: `src/${folder}/ may import only: ${layers[folder].join(', ') || 'nothing else under src/'}`,
      from: { path: `^src/${folder}/` },
      to: { path: '^src/', pathNot: [`^src/(${[folder, ...layers[folder]].join('|')})/`, '^src/env\\.d\\.ts$'] },
    })),
    {
      name: 'no-framework-in-domain',
      severity: 'error',
      comment: 'Features and the model load in plain Node: no Astro, no Vite-only modules.',
      from: { path: `^src/(${folders.filter((f) => !['integrations', 'server'].includes(f)).join('|')})/` },
      to: { path: '(^|/)node_modules/(astro|@astrojs)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.mjs', '.js', '.json'] },
    exclude: { path: '\\.astro$' },
  },
};
