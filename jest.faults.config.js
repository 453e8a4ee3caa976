/** The fault suite (npm run test:faults): real processes, its own MariaDB and Mosquitto, killed on purpose. */
const base = require('./jest.config');

module.exports = {
  ...base,
  testMatch: ['**/*.fault.ts'],
  testTimeout: 300_000,
};
