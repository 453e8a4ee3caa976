/** The cluster suite (npm run test:cluster): 3 RabbitMQ nodes, 3 Galera nodes, 3 server instances, nodes killed. */
const base = require('./jest.config');

module.exports = {
  ...base,
  testMatch: ['**/*.cluster.ts'],
  testTimeout: 600_000,
};
