import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsRegistry, type Redis } from '@callboard/runtime';
import { WindowStore } from '@callboard/windows';
import { createTestStack, type TestStack } from '../helpers/infra.js';
import { expectLiveEqualsOracle, FAULTS, runToNow } from '../helpers/oracle-check.js';
import { produceSimulatedRun, queueConfig, testAggregator, waitUntilConsumed } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Puts every key under `prefix` (ARGV[1]) back to `dumps` (ARGV[3..]) and returns the offsets hash
 * `ARGV[2]` as it then is, in one atomic step: what a replica promoted by a
 * failover holds of a slot whose master had acknowledged writes it never sent. Test-only, on a
 * single Redis (it touches keys it does not declare).
 */
const ROLL_BACK = `
for _, k in ipairs(redis.call('KEYS', ARGV[1] .. '*')) do redis.call('DEL', k) end
for j = 3, #ARGV, 3 do redis.call('RESTORE', ARGV[j], tonumber(ARGV[j + 1]), ARGV[j + 2], 'REPLACE') end
return redis.call('HGETALL', ARGV[2])`;

/**
 * Every key under `prefix` as DUMP, PTTL pairs, and the offsets hash `ARGV[2]`, in one atomic step: a
 * replica's copy of the slot at one instant. (Dumped key by key while the aggregator writes, the copy
 * mixed instants: an offsets field dumped after a write whose buckets had been dumped before it, so
 * the write was lost with its offset kept, and the test failed now and then with counts short.)
 */
const SNAPSHOT = `
local out = {}
for _, k in ipairs(redis.call('KEYS', ARGV[1] .. '*')) do
  local dump = redis.call('DUMP', k)
  if dump then
    local ttl = redis.call('PTTL', k)
    out[#out + 1] = k
    out[#out + 1] = ttl > 0 and ttl or 0
    out[#out + 1] = dump
  end
end
return { out, redis.call('HGETALL', ARGV[2]) }`;

describe('a failover that loses acknowledged writes while the aggregator keeps running (decision 0007 "Failover")', () => {
  let stack: TestStack;
  let redis: Redis;
  beforeAll(async () => {
    stack = await createTestStack('lost');
    redis = stack.redis();
    await redis.connect();
  });
  afterAll(async () => stack?.cleanup());

  it('the aggregator finds the queue behind what it applied, replays from there by itself, and ends equal to the oracle', async () => {
    const namespace = `t${randomBytes(4).toString('hex')}`;
    const store = new WindowStore(redis, { namespace });
    const metrics = createMetricsRegistry('test');
    const aggregator = testAggregator(stack, store, { metrics });
    const window = runToNow();
    // Paced, so the roll-back lands mid-stream with more of the queue still to come.
    const producing = produceSimulatedRun(stack, { seed: 53, ...window, faults: FAULTS, speed: 240 });
    await aggregator.start();
    try {
      const queue = queueConfig.namedQueues()[0]!;
      const keys = store.keys(queue.tenantId, queue.queueId);
      const appliedToQueue = async () => Object.values(await redis.hgetall(keys.offsets)).reduce((sum, v) => sum + Number(v.split(':')[0]) + 1, 0);
      await waitFor('the queue to hold applied offsets', async () => ((await appliedToQueue()) > 20 ? true : undefined), 60_000, 100);

      // The replica's copy: every key of the queue's slot as it is now, at one instant.
      const [copy, offsetsAtCopy] = (await redis.callBuffer('EVAL', SNAPSHOT, 0, keys.prefix, keys.offsets)) as [(Buffer | number)[], Buffer[]];
      const snapshot = copy.map((part, i) => (i % 3 === 0 ? part.toString() : part));
      // Offsets applied, summed over the partitions: "<offset>:<watermark>" values of an HGETALL reply.
      const applied = (flat: (Buffer | string)[]) => flat.filter((_v, i) => i % 2 === 1).reduce((sum, v) => sum + Number(v.toString().split(':')[0]) + 1, 0);
      const atSnapshot = applied(offsetsAtCopy);
      // The master acknowledges more batches of the queue, then dies before sending them.
      await waitFor('more batches applied to the queue', async () => ((await appliedToQueue()) > atSnapshot + 20 ? true : undefined), 60_000, 100);
      // What the roll-back left, read in the same step (a partition that has not written the queue
      // since the copy may write again at once: its expected offset is still the stored one).
      const afterRollBack = (await redis.eval(ROLL_BACK, 0, keys.prefix, keys.offsets, ...snapshot)) as string[];
      expect(applied(afterRollBack)).toBe(atSnapshot);

      const run = await producing;
      await waitUntilConsumed(stack, `${stack.prefix}agg`, 180_000);
      // The replay happened in this process, not at a restart: the aggregator was never restarted.
      const replays = (await metrics.getSingleMetric('callboard_aggregator_replays_total')!.get()).values.reduce((sum, v) => sum + v.value, 0);
      expect(replays).toBeGreaterThan(0);
      await expectLiveEqualsOracle(store, run, window.endAt);
    } finally {
      await aggregator.close();
    }
  }, 240_000);
});
