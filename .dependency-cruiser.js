/**
 * The architecture, checked on every CI run (STYLE.md point 1):
 * modules never import each other; contracts import no module; domain code is framework-free.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cross-module-imports',
      comment: 'A module talks to another only through src/contracts and the outbox.',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/([^/]+)/', pathNot: '^src/modules/$1/' },
    },
    {
      name: 'contracts-import-no-module',
      comment: 'Contracts are the shared language: they depend on nothing but zod.',
      severity: 'error',
      from: { path: '^src/contracts/' },
      to: { path: '^src/(modules|platform|config)/' },
    },
    {
      name: 'platform-has-no-business-words',
      comment: 'The platform serves every module and knows none.',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: '^src/modules/' },
    },
    {
      name: 'domain-is-framework-free',
      comment: 'A domain/ folder holds rules only: no Nest, ORM, NATS or platform code.',
      severity: 'error',
      from: { path: '^src/modules/[^/]+/domain/' },
      to: {
        path: ['node_modules/(@nestjs|typeorm|pg|nats)/', '^src/platform/(?!clock|domain-error)', '^src/modules/[^/]+/(?!domain/)'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
