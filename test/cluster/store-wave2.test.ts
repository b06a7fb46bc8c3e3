import { describe, expect, it } from 'vitest';
import { applyWave2, compareWave2, wave2Events } from '../../packages/windows/test/wave2-scenario.js';
import { suiteRedis } from '../../packages/windows/test/wave2-suite.js';

/*
 * The randomized wave 2 scenario of packages/windows/test/wave2-oracle.test.ts on whatever Redis the
 * project says: in the cluster project a 3-master Redis Cluster, where queue calls, complaint calls
 * and contact drains each run in their own slot (decision 0010 §5: no cross-slot call).
 */
describe('the live store equals the oracle for every wave 2 KPI (Redis Cluster)', () => {
  const connection = suiteRedis();

  for (const seed of [11, 12, 13]) {
    it(`seed ${seed}`, async () => {
      const events = wave2Events(seed);
      const { live, oracle } = await compareWave2(await applyWave2(connection.redis, events, seed), events);
      expect(live).toEqual(oracle);
    });
  }
});
