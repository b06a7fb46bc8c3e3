import { describe } from 'vitest';
import { asteriskImportTest } from '../helpers/asterisk-import.js';

/**
 * Issue 10 acceptance 1 on the Redis Cluster and three brokers (the cluster project's environment):
 * the comparison of test/e2e/asterisk-import.test.ts (test/helpers/asterisk-import.ts).
 */
describe('a queue_log imported into Kafka, on the clusters', () => {
  asteriskImportTest('aimportc');
});
