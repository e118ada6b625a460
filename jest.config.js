/**
 * Jest: `unit` (pure logic, no Redis), `integration` (real Redis: see test/support/global-setup.ts) and the topology
 * tiers that start their own servers (`sentinel`, `cluster`).
 */
const base = {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleNameMapper: {
    '^@app/redis-streams(|/.*)$': '<rootDir>/libs/redis-streams/src$1',
    '^@app/contracts(|/.*)$': '<rootDir>/libs/contracts/src$1',
    '^@app/shield-platform(|/.*)$': '<rootDir>/libs/shield-platform/src$1',
  },
};

module.exports = {
  testTimeout: 60_000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{src,apps,libs}/**/*.spec.ts'] },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    // Its own servers (primary, replica, three sentinels on free ports): `npm run test:sentinel`, not `npm test`.
    { ...base, displayName: 'sentinel', testMatch: ['<rootDir>/test/**/*.sentinel-spec.ts'] },
    // The Kubernetes manifests (deploy/k8s) rendered with `kubectl kustomize`, validated and checked: `npm run test:manifests`.
    { ...base, displayName: 'manifests', testMatch: ['<rootDir>/test/k8s/**/*.k8s-spec.ts'] },
    // Its own Redis Cluster (3 primaries, 3 replicas on free ports): `npm run test:cluster`, not `npm test`.
    { ...base, displayName: 'cluster', testMatch: ['<rootDir>/test/**/*.cluster-spec.ts'] },
  ],
};
