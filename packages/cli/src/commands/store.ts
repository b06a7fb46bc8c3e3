import { aggregatorPartitions, loadAggregatorConfig } from '@callboard/aggregator';
import { CallboardError } from '@callboard/errors';
import { createTopology } from '@callboard/events';
import { connectRedis } from '@callboard/runtime';
import { WindowStore } from '@callboard/windows';
import { parseCommandArgs, type Command } from '../command.js';

export const storeCommand: Command = {
  name: 'store',
  summary: 'check or migrate the Redis KPI store layout',
  usage: `callboard store check|migrate

check    prints {"legacyPartitions":N}: partitions of the aggregator group whose applied
         offset is still in the layout before issue 9 (exit 1 when N > 0)
migrate  moves them to the per-queue layout (docs/decisions/0007-one-slot-per-call.md)
         and prints one JSON line per partition migrated. Stop every aggregator of the
         group first; run it again after an interruption.

The group, namespace and topics are the aggregator's: CB_AGGREGATOR_GROUP,
CB_REDIS_NAMESPACE, CB_TOPIC_PREFIX, and Redis from CB_REDIS_MODE / CB_REDIS_URL.`,
  async run(argv, makeCtx) {
    const { values, positionals } = parseCommandArgs('store', argv, {}, true);
    if (values.help) {
      process.stdout.write(`${this.usage}\n`);
      return 0;
    }
    const [action] = positionals;
    if (positionals.length !== 1 || (action !== 'check' && action !== 'migrate')) throw new CallboardError('CB_USAGE', 'store: give check or migrate');
    const ctx = makeCtx();
    const config = loadAggregatorConfig(ctx.env);
    const redis = await connectRedis(ctx.infra.redis, ctx.logger);
    try {
      const store = new WindowStore(redis, { namespace: config.redisNamespace });
      const refs = await aggregatorPartitions(ctx.kafka(), config.groupId, createTopology(ctx.infra.topicPrefix));
      if (action === 'check') {
        const legacy = await store.legacyPartitions(refs);
        ctx.out(JSON.stringify({ legacyPartitions: legacy.length }));
        return legacy.length > 0 ? 1 : 0;
      }
      for (const done of await store.migrateLegacy(refs)) ctx.out(JSON.stringify({ ...done.ref, offset: done.offset, watermark: new Date(done.watermark).toISOString(), lateMoved: done.lateMoved }));
      return 0;
    } finally {
      redis.disconnect();
    }
  },
};
