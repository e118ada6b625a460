/**
 * Jest for `npm run test:image`: builds the two app images from the Dockerfile with podman and runs them against a
 * redis-server of its own (test/image/*.image-spec.ts; `npm test` never matches these files).
 */
const { projects } = require('./jest.config');

const unit = projects.find((project) => project.displayName === 'unit');

module.exports = {
  testTimeout: 120_000,
  projects: [{ ...unit, displayName: 'image', testMatch: ['<rootDir>/test/image/**/*.image-spec.ts'] }],
};
