/**
 * Jest for `npm run test:tls`: the `test/tls/*.tls-spec.ts` tier, which starts its own TLS redis-servers (apart
 * from `npm test`, which never matches these files).
 */
const { projects } = require('./jest.config');

const integration = projects.find((project) => project.displayName === 'integration');

module.exports = {
  testTimeout: 90_000,
  projects: [
    {
      ...integration,
      displayName: 'tls',
      testMatch: ['<rootDir>/test/tls/**/*.tls-spec.ts'],
      globalSetup: undefined,
      globalTeardown: undefined,
    },
  ],
};
