import { isCallboardError } from '@callboard/errors';
import type { Command } from './command.js';
import { alertsCommand } from './commands/alerts.js';
import { erlangCommand } from './commands/erlang.js';
import { importCommand } from './commands/import.js';
import { infraCommand } from './commands/infra.js';
import { kpiCommand } from './commands/kpi.js';
import { produceCommand } from './commands/produce.js';
import { queryCommand } from './commands/query.js';
import { rulesCommand } from './commands/rules.js';
import { runCommand } from './commands/run.js';
import { simulateCommand } from './commands/simulate.js';
import { storeCommand } from './commands/store.js';
import { tailCommand } from './commands/tail.js';
import { tokenCommand } from './commands/token.js';
import { webhookCommand } from './commands/webhook.js';
import { createCliContext, type CliContext } from './context.js';

const COMMANDS: Command[] = [simulateCommand, produceCommand, importCommand, tailCommand, kpiCommand, queryCommand, erlangCommand, rulesCommand, alertsCommand, tokenCommand, webhookCommand, infraCommand, runCommand, storeCommand];

function help(): string {
  return `callboard: a real-time contact-center monitor

Usage: pnpm callboard <command> [options]   (each command has --help)

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n')}
`;
}

/** Runs the CLI; returns the exit code. Errors are printed with their stable code, never a stack for expected ones. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`callboard: unknown command ${name}\n\n${help()}`);
    return 2;
  }
  let ctx: CliContext | undefined;
  try {
    return await command.run(rest, () => (ctx ??= createCliContext()));
  } catch (err) {
    if (isCallboardError(err)) {
      process.stderr.write(`callboard ${name}: ${err.code}: ${err.message}\n`);
      return err.code === 'CB_USAGE' ? 2 : 1;
    }
    process.stderr.write(`callboard ${name}: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
// Kafka clients can leave sockets open for a moment; the CLI's work is done.
process.exit(code);
