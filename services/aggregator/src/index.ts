export { AGGREGATOR_CHUNK_SIZE, aggregatorPartitions, createAggregator, type Aggregator, type AggregatorDeps } from './aggregator.js';
export { loadAggregatorConfig, AGGREGATOR_DEFAULTS, type AggregatorConfig } from './config.js';
