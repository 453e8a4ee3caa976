// The suite runs nine hours from UTC (workers inherit the zone). Times are stored in UTC and must read back the
// same in any zone; a test run in UTC itself would hide a time parsed as local (test/messages/time-zone.test.ts).
process.env.TZ = 'Asia/Seoul';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }],
    // aedes 1.x ships as an ES module only; jest's CommonJS runtime needs it compiled.
    '/node_modules/aedes/.+\\.js$': [
      'ts-jest',
      {
        tsconfig: { allowJs: true, module: 'commonjs', moduleResolution: 'node10', target: 'ES2022' },
        diagnostics: false,
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!aedes/)'],
  testTimeout: 60_000,
  setupFiles: ['reflect-metadata'],
};
