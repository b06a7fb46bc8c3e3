import { describe } from 'vitest';
import { dayReplayTest } from '../helpers/day-replay.js';

/**
 * Issue 9 acceptance 1 with CB_REDIS_MODE=single: the comparison of test/cluster/day-replay-cli.test.ts
 * (a past DST day with duplicates and reordering, and a hand-made file, through `callboard produce`,
 * `query` against `kpi`; test/helpers/day-replay.ts) on the single Redis and Kafka, two aggregator processes.
 */
describe('a day replayed through the CLI', () => {
  dayReplayTest('day', 2);
});
