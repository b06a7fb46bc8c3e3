import { describe, expect, it } from 'vitest';
import { loadAggregatorConfig } from '../src/config.js';

describe('aggregator config: CB_AGGREGATOR_CHUNK_SIZE', () => {
  it('defaults to 500 records per apply, and takes a valid size', () => {
    expect(loadAggregatorConfig({}).chunkSize).toBe(500);
    expect(loadAggregatorConfig({ CB_AGGREGATOR_CHUNK_SIZE: '2000' }).chunkSize).toBe(2000);
  });

  it.each(['0', '-5', '1.5', 'many', '100001'])('refuses %j with CB_CONFIG_INVALID naming the variable', (value) => {
    expect(() => loadAggregatorConfig({ CB_AGGREGATOR_CHUNK_SIZE: value })).toThrow(expect.objectContaining({ code: 'CB_CONFIG_INVALID', message: expect.stringContaining('CB_AGGREGATOR_CHUNK_SIZE') }));
  });
});
