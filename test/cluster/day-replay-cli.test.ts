import { describe } from 'vitest';
import { dayReplayTest } from '../helpers/day-replay.js';
import { infra } from '../helpers/infra.js';

/**
 * Issue 9 acceptance 1 on the Redis Cluster and three brokers: a past day (a DST day, with
 * duplicates and reordering) and a hand-made file, `callboard produce`d to three aggregator
 * processes, give the `callboard query` answer of `callboard kpi`, field for field, for the day,
 * an hour, an interval and ranges off the bucket boundaries (test/helpers/day-replay.ts).
 * test/e2e/day-replay-cli.test.ts runs the same on the single Redis.
 */
describe.runIf(infra.redis.mode === 'cluster')('a day replayed through the CLI on the Redis Cluster', () => {
  dayReplayTest('day-cluster', 3);
});
