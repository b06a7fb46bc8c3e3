import { CallboardError } from '@callboard/errors';
import { connectRedis, type Redis } from '@callboard/runtime';
import { kpiRow, MAX_READ_KEYS, readQueueView, readTenantView, readTenantWindow, readWindow, tenantQueueIds, WINDOW_NAMES, type WindowName, WindowStore } from '@callboard/windows';
import { isoOption, parseCommandArgs, requireString, type Command } from '../command.js';
import { loadQueueConfig } from '../queue-file.js';

export const queryCommand: Command = {
  name: 'query',
  summary: 'read live KPIs and queue state from the Redis store',
  usage: `callboard query --tenant T [--queue Q] (--window W | --from ISO --to ISO) [--at ISO] --json

W: ${WINDOW_NAMES.join(' | ')}

Prints {"queues":[...],"tenants":[...]} in the shape of 'callboard kpi', plus
"window", the effective "from"/"to" (widened to whole 10 s buckets, or 15 min
beyond fine retention), the live state ("live", complaints included) and the
calendar month to date ("monthToDate"). Without --queue: every queue of the
tenant that is configured or was active in the last 8 days, and "tenants" with
the tenant total (queueId null: those queues summed plus the tenant's
queue-less complaints, ratios from the sums); with --queue, no "tenants".
--at moves "now".

A --from/--to range spans at most the 8 days Redis keeps and reads at most
${MAX_READ_KEYS} Redis keys; a longer one is refused with CB_RANGE_TOO_LARGE
(exit 1) before anything is read.`,
  async run(argv, makeCtx) {
    const { values } = parseCommandArgs('query', argv, {
      tenant: { type: 'string' },
      queue: { type: 'string' },
      window: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      at: { type: 'string' },
      queues: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      process.stdout.write(`${this.usage}\n`);
      return 0;
    }
    const tenantId = requireString('query', 'tenant', values.tenant);
    const from = isoOption('query', 'from', values.from);
    const to = isoOption('query', 'to', values.to);
    const window = values.window as WindowName | undefined;
    if ((window === undefined) === (from === undefined || to === undefined)) {
      throw new CallboardError('CB_USAGE', 'query: give either --window or both --from and --to');
    }
    if (window !== undefined && !WINDOW_NAMES.includes(window)) throw new CallboardError('CB_USAGE', `query: --window must be one of ${WINDOW_NAMES.join(', ')}`);
    const nowMs = Date.now();
    const atMs = isoOption('query', 'at', values.at) ?? nowMs;
    const ctx = makeCtx();
    const config = loadQueueConfig(ctx, values.queues);
    const redis = await connectRedis(ctx.infra.redis, ctx.logger);
    try {
      // WindowStore is typed for one node until the store's per-slot calls land (issue 9, packages/windows).
      const store = new WindowStore(redis as Redis, { namespace: ctx.env.CB_REDIS_NAMESPACE ?? 'cb' });
      const range = window ?? { from: from!, to: to! };
      const queueIds = values.queue !== undefined ? [values.queue] : await tenantQueueIds(store, config, tenantId, nowMs);
      const subscribers = config.tenantSettings(tenantId).subscribers;
      const queues = [];
      for (const queueId of queueIds) {
        const queue = config.resolve(tenantId, queueId);
        const kpi = await readWindow(store, queue, range, atMs, nowMs, subscribers);
        const view = await readQueueView(store, queue, atMs, { nowMs, windows: [], tenants: config });
        queues.push(kpiRow(kpi, view));
      }
      const tenants = [];
      if (values.queue === undefined) {
        const [kpi, view] = await Promise.all([readTenantWindow(store, config, tenantId, queueIds, range, atMs, nowMs), readTenantView(store, config, tenantId, queueIds, atMs, { nowMs, windows: [] })]);
        tenants.push(kpiRow(kpi, view));
      }
      ctx.out(JSON.stringify(values.queue === undefined ? { queues, tenants } : { queues }, null, values.json ? undefined : 2));
    } finally {
      redis.disconnect();
    }
    return 0;
  },
};
