import { describe, expect, it } from 'vitest';
import { applyWave2, compareWave2, wave2Events } from './wave2-scenario.js';
import { suiteRedis } from './wave2-suite.js';

describe('the live store equals the oracle for every wave 2 KPI under duplicates, reordering and random batches (real Redis)', () => {
  const connection = suiteRedis();

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}`, async () => {
      const events = wave2Events(seed);
      const { live, oracle } = await compareWave2(await applyWave2(connection.redis, events, seed), events);
      expect(live).toEqual(oracle);
    });
  }
});
