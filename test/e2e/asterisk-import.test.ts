import { describe } from 'vitest';
import { asteriskImportTest } from '../helpers/asterisk-import.js';

/**
 * Issue 10 acceptance 1 with CB_REDIS_MODE=single: a queue_log through `callboard import asterisk
 * --kafka` and an aggregator process, `query` against `kpi` and the independent count
 * (test/helpers/asterisk-import.ts); test/cluster/asterisk-import.test.ts runs it on the Cluster.
 */
describe('a queue_log imported into Kafka', () => {
  asteriskImportTest('aimport');
});
