import { spawn } from 'node:child_process';
import { CallboardError } from '@callboard/errors';
import { provision } from '@callboard/runtime';
import { parseCommandArgs, type Command } from '../command.js';
import type { CliContext } from '../context.js';
import { INFRA_SCRIPT } from '../paths.js';

function runScript(args: string[], env: CliContext['env']): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [INFRA_SCRIPT, ...args], { stdio: 'inherit', env: { ...env } });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Creates the topics and registers the schemas; both idempotent. */
export async function provisionAll(ctx: CliContext): Promise<void> {
  const { created, schemas } = await provision(ctx.kafka(), ctx.codec(), ctx.logger);
  process.stderr.write(`[infra] topics: ${created.length > 0 ? `created ${created.join(', ')}` : 'all present'}\n`);
  process.stderr.write(`[infra] schemas: ${[...schemas].map(([s, id]) => `${s}=${id}`).join(', ')}\n`);
}

export const infraCommand: Command = {
  name: 'infra',
  summary: 'start, stop and inspect the local Kafka, Schema Registry and Redis (no Docker)',
  usage: `callboard infra up|down|status|logs [SERVICE]|provision

  up         install what is missing, start Kafka (KRaft), the Schema Registry and
             Redis, wait until each answers, then create topics and register schemas
  down       stop all three
  status     show what runs, on which port
  logs [S]   follow the logs (S: kafka, registry or redis)
  provision  only create topics and register schemas (idempotent)

Ports and folders come from CB_KAFKA_PORT, CB_REGISTRY_PORT, CB_REDIS_PORT and
CB_HOME; see docs/infra.md.`,
  async run(argv, makeCtx) {
    const { values, positionals } = parseCommandArgs('infra', argv, {}, true);
    const [sub, ...rest] = positionals;
    if (values.help || sub === undefined) {
      process.stdout.write(`${this.usage}\n`);
      return sub === undefined && !values.help ? 2 : 0;
    }
    const ctx = makeCtx();
    switch (sub) {
      case 'up': {
        const code = await runScript(['up'], ctx.env);
        if (code !== 0) return code;
        await provisionAll(ctx);
        return 0;
      }
      case 'provision':
        await provisionAll(ctx);
        return 0;
      case 'down':
      case 'status':
      case 'logs':
        return runScript([sub, ...rest], ctx.env);
      default:
        throw new CallboardError('CB_USAGE', `infra: unknown subcommand ${sub} (up, down, status, logs, provision)`);
    }
  },
};
