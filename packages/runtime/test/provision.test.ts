import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topologyTopics } from '@callboard/events';
import { createTestStack, type TestStack } from '../../../test/helpers/infra.js';
import { topicReplication } from '../../../test/helpers/topic-replication.js';
import { replicationFor } from '../src/provision.js';

describe('replication of provisioned topics follows the broker count', () => {
  it('is 1 and 1 on one broker, 2 and 1 on two, 3 and 2 from three brokers on', () => {
    expect(replicationFor(1)).toEqual({ replicationFactor: 1, minInsyncReplicas: 1 });
    expect(replicationFor(2)).toEqual({ replicationFactor: 2, minInsyncReplicas: 1 });
    expect(replicationFor(3)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(replicationFor(5)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
  });

  // Runs on whatever Kafka the environment names: the single node in the default suite (RF 1, the
  // broker's own minimum), the 3-broker cluster of CB_KAFKA_BROKERS_LOCAL=3 (RF 3, min.insync 2).
  describe('on the running Kafka', () => {
    let stack: TestStack;
    beforeAll(async () => {
      stack = await createTestStack('provision');
    });
    afterAll(async () => stack?.cleanup());

    it('creates every topic with that many replicas per partition and that min.insync.replicas', async () => {
      const admin = stack.kafka.admin();
      await admin.connect();
      const { brokers } = await admin.describeCluster().finally(() => admin.disconnect());
      const want = replicationFor(brokers.length);
      const names = topologyTopics(stack.topology).map((t) => t.name);
      for (const t of await topicReplication(stack.kafka, names)) {
        expect(t.replicas.length).toBeGreaterThan(0);
        expect({ topic: t.topic, sizes: [...new Set(t.replicas.map((r) => r.length))], minInsync: t.minInsync }).toEqual({
          topic: t.topic,
          sizes: [want.replicationFactor],
          minInsync: String(want.minInsyncReplicas),
        });
      }
    });
  });
});
