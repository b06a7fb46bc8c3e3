import { CallboardError } from '@callboard/errors';
import type { Env } from '@callboard/runtime';
import { parseCommandArgs, type Command } from '../command.js';

/** Every service `callboard run` knows, each loaded only when asked for. */
const SERVICES: Record<string, { summary: string; load: () => Promise<(env: Env) => Promise<void>> }> = {
  aggregator: {
    summary: 'apply call and agent events to the Redis KPI windows; publish snapshots to cc.kpi.v1',
    load: async () => (await import('@callboard/aggregator/service')).runAggregatorService,
  },
  alerter: {
    summary: 'evaluate alert rules on cc.kpi.v1; publish cc.alerts.v1; send webhooks',
    load: async () => (await import('@callboard/alerter/service')).runAlerterService,
  },
  gateway: {
    summary: 'WebSocket and HTTP API and the wallboard; fed by cc.kpi.v1 and cc.alerts.v1',
    load: async () => (await import('@callboard/gateway/service')).runGatewayService,
  },
  'ingest-asterisk': {
    summary: 'tail an Asterisk queue_log (and optionally AMI) beside the PBX; canonical events into Kafka',
    load: async () => (await import('@callboard/ingest-asterisk-service/service')).runAsteriskIngestService,
  },
  'ingest-http': {
    summary: 'POST /api/v1/events: canonical events over HTTP with an ingest token, into Kafka',
    load: async () => (await import('@callboard/ingest-http/service')).runIngestHttpService,
  },
  simulator: {
    summary: 'stream simulated contact-center traffic into Kafka in real time',
    load: async () => (await import('@callboard/simulator/service')).runSimulatorService,
  },
};

export const runCommand: Command = {
  name: 'run',
  summary: 'run one service in the foreground, configured from the environment',
  usage: `callboard run <service>

Runs one service in the foreground until SIGINT or SIGTERM, which stop it
cleanly. Its configuration comes from the environment (see the README).

Services:
${Object.entries(SERVICES)
  .map(([name, s]) => `  ${name.padEnd(12)} ${s.summary}`)
  .join('\n')}`,
  async run(argv, makeCtx) {
    const { values, positionals } = parseCommandArgs('run', argv, {}, true);
    const name = positionals[0];
    if (values.help || name === undefined) {
      process.stdout.write(`${this.usage}\n`);
      return name === undefined && !values.help ? 2 : 0;
    }
    const service = SERVICES[name];
    if (!service) throw new CallboardError('CB_USAGE', `run: unknown service ${name} (${Object.keys(SERVICES).join(', ')})`);
    const main = await service.load();
    await main(makeCtx().env);
    return 0;
  },
};
