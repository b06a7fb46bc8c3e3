import { defineConfig } from 'vitest/config';

const DEFAULT_INCLUDE = ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'test/**/*.test.ts'];

/**
 * The same files again on the local clusters (issue 9): a 3-master Redis Cluster and three Kafka brokers,
 * as `CB_REDIS_MODE=cluster CB_KAFKA_BROKERS_LOCAL=3 infra/local/cb-infra up` starts them (scripts/test.sh does).
 * Each file here runs against whatever CB_REDIS_MODE / CB_REDIS_URL / CB_KAFKA_BROKERS say.
 */
const CLUSTER_INCLUDE = [
  'test/cluster/**/*.test.ts',
  'test/helpers/declared-keys.test.ts',
  'packages/runtime/test/redis.test.ts',
  'packages/runtime/test/redis-connect.test.ts',
  'packages/runtime/test/provision.test.ts',
  'services/alerter/test/declared-keys.test.ts',
  'services/alerter/test/outbox-move.test.ts',
  'services/gateway/test/declared-keys.test.ts',
  'packages/windows/test/declared-keys.test.ts',
  'packages/windows/test/store.test.ts',
  'packages/windows/test/store-layout.test.ts',
  'packages/windows/test/visit-order.test.ts',
];

/**
 * The failure tests (issue 9): they kill -9 Redis masters and Kafka brokers of the clusters, so they run
 * in a project of their own after every other file (groupOrder), one file at a time, and heal the clusters.
 */
const FAILOVER_INCLUDE = ['test/cluster/failover.test.ts'];

// The ports infra/local uses for the clusters (infra/local/lib.sh), so a second checkout on other ports works too.
const clusterRedisPort = Number(process.env.CB_REDIS_CLUSTER_PORT ?? 7001);
const clusterKafkaPort = Number(process.env.CB_KAFKA_CLUSTER_PORT ?? 39092);

const clusterEnv = {
  CB_REDIS_MODE: 'cluster',
  CB_REDIS_URL: [0, 1, 2, 3, 4, 5].map((i) => `redis://127.0.0.1:${clusterRedisPort + i}`).join(','),
  CB_KAFKA_BROKERS: [0, 1, 2].map((i) => `127.0.0.1:${clusterKafkaPort + i}`).join(','),
};

export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests share one Kafka broker on a 2-core machine; files run two at a time.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'default', include: DEFAULT_INCLUDE, exclude: ['**/node_modules/**', 'test/bench/**', 'test/cluster/**'] },
      },
      {
        extends: true,
        test: { name: 'cluster', include: CLUSTER_INCLUDE, exclude: ['**/node_modules/**', ...FAILOVER_INCLUDE], env: clusterEnv },
      },
      {
        extends: true,
        test: { name: 'cluster-failover', include: FAILOVER_INCLUDE, exclude: ['**/node_modules/**'], env: clusterEnv, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
