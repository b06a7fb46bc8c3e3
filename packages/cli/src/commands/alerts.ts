import { CallboardError } from '@callboard/errors';
import { AlertStore } from '@callboard/alerter';
import { connectRedis } from '@callboard/runtime';
import { parseCommandArgs, requireString, type Command } from '../command.js';

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

function parseDuration(value: string): number {
  const m = DURATION.exec(value);
  if (!m) throw new CallboardError('CB_USAGE', `alerts: --for must look like 30m, 2h or 1d, got ${JSON.stringify(value)}`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

export const alertsCommand: Command = {
  name: 'alerts',
  summary: 'list, acknowledge and silence alerts',
  usage: `callboard alerts list --tenant T [--json]
callboard alerts ack --tenant T --fingerprint F --by NAME
callboard alerts unack --tenant T --fingerprint F --by NAME
callboard alerts silence --tenant T [--queue GLOB] [--rule GLOB] --reason TEXT --for 2h --by NAME
callboard alerts unsilence --tenant T --id SILENCE_ID --by NAME
callboard alerts audit --tenant T [--json]

Acknowledgements and silences are stored in Redis with the alert state, audited,
and published on cc.alerts.v1 (docs/alerts.md). A silence keeps alerts visible
but holds their notifications until it expires.`,
  async run(argv, makeCtx) {
    const { values, positionals } = parseCommandArgs(
      'alerts',
      argv,
      {
        tenant: { type: 'string' },
        fingerprint: { type: 'string' },
        by: { type: 'string' },
        queue: { type: 'string' },
        rule: { type: 'string' },
        reason: { type: 'string' },
        for: { type: 'string' },
        id: { type: 'string' },
        json: { type: 'boolean' },
      },
      true,
    );
    const sub = positionals[0];
    if (values.help || sub === undefined) {
      process.stdout.write(`${this.usage}\n`);
      return values.help ? 0 : 2;
    }
    const tenantId = requireString('alerts', 'tenant', values.tenant);
    const ctx = makeCtx();
    const redis = await connectRedis(ctx.infra.redis, ctx.logger);
    const store = new AlertStore(redis, ctx.env.CB_REDIS_NAMESPACE ?? 'cb');
    const print = (value: unknown) => ctx.out(JSON.stringify(value, null, values.json ? undefined : 2));
    try {
      switch (sub) {
        case 'list': {
          const alerts = await store.list(tenantId);
          if (values.json) print({ alerts, silences: await store.silences(tenantId) });
          else for (const a of alerts) ctx.out(`${a.state.padEnd(10)} ${a.fingerprint} ${a.ruleId.padEnd(22)} ${a.queueId.padEnd(16)} value=${a.value ?? '-'}${a.ack ? ` acked by ${a.ack.by}` : ''}`);
          return 0;
        }
        case 'ack':
          print(await store.acknowledge(tenantId, requireString('alerts', 'fingerprint', values.fingerprint), requireString('alerts', 'by', values.by)));
          return 0;
        case 'unack':
          print(await store.unacknowledge(tenantId, requireString('alerts', 'fingerprint', values.fingerprint), requireString('alerts', 'by', values.by)));
          return 0;
        case 'silence':
          print(
            await store.silence(tenantId, {
              ...(values.queue ? { queue: values.queue } : {}),
              ...(values.rule ? { ruleId: values.rule } : {}),
              reason: requireString('alerts', 'reason', values.reason),
              createdBy: requireString('alerts', 'by', values.by),
              durationMs: parseDuration(requireString('alerts', 'for', values.for)),
            }),
          );
          return 0;
        case 'unsilence':
          await store.unsilence(tenantId, requireString('alerts', 'id', values.id), requireString('alerts', 'by', values.by));
          return 0;
        case 'audit':
          print(await store.auditLog(tenantId));
          return 0;
        default:
          throw new CallboardError('CB_USAGE', `alerts: unknown subcommand ${sub}`);
      }
    } finally {
      redis.disconnect();
    }
  },
};
