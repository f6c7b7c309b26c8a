// Two projects: pure unit specs beside the code, and e2e suites against real Postgres and NATS.
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  // content-disposition 3 (under @fastify/static, which serves /docs) ships ESM only.
  '^.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true } }],
};
const transformIgnorePatterns = ['/node_modules/(?!content-disposition/)'];
/** A 3-node NATS cluster with its leader killed; 1,000 waiting poison events on one durable. */
const LONG_SUITES = ['/test/cluster/', '/test/adversary/waiting-poison'];

module.exports = {
  testTimeout: 180000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      transform,
      transformIgnorePatterns,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      // Long suites run by `npm run test:long` (TEST_LONG=1), kept out of CI's budget.
      testPathIgnorePatterns: process.env.TEST_LONG === '1' ? [] : LONG_SUITES,
      transform,
      transformIgnorePatterns,
      setupFiles: ['reflect-metadata'],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
  ],
};
