import { erlangReport } from '@callboard/kpi';
import { numberOption, parseCommandArgs, type Command } from '../command.js';
import { CallboardError } from '@callboard/errors';

export const erlangCommand: Command = {
  name: 'erlang',
  summary: 'Erlang C staffing: probability of waiting, service level, ASA, required agents',
  usage: `callboard erlang --calls N --interval-s S --aht-s A --agents K --target-s T [--target-sl F] --json

Prints {"erlangs","agents","probabilityOfWaiting","serviceLevel","asaSeconds",
"occupancy","requiredAgents"}; requiredAgents only with --target-sl.
asaSeconds is null when the agents cannot keep up (K <= erlangs).`,
  async run(argv) {
    const { values } = parseCommandArgs('erlang', argv, {
      calls: { type: 'string' },
      'interval-s': { type: 'string' },
      'aht-s': { type: 'string' },
      agents: { type: 'string' },
      'target-s': { type: 'string' },
      'target-sl': { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      process.stdout.write(`${this.usage}\n`);
      return 0;
    }
    const need = (name: string, n: number | undefined): number => {
      if (n === undefined) throw new CallboardError('CB_USAGE', `erlang: --${name} is required`);
      return n;
    };
    const calls = need('calls', numberOption('erlang', 'calls', values.calls, { min: 0 }));
    const intervalSeconds = need('interval-s', numberOption('erlang', 'interval-s', values['interval-s'], { min: 1 }));
    const ahtSeconds = need('aht-s', numberOption('erlang', 'aht-s', values['aht-s'], { min: 0 }));
    const agents = need('agents', numberOption('erlang', 'agents', values.agents, { min: 0, max: 100_000, integer: true }));
    const targetSeconds = need('target-s', numberOption('erlang', 'target-s', values['target-s'], { min: 0 }));
    const targetSl = numberOption('erlang', 'target-sl', values['target-sl'], { min: 0, max: 1 });
    const report = erlangReport({ calls, intervalSeconds, ahtSeconds, agents, targetSeconds, ...(targetSl === undefined ? {} : { targetSl }) });
    const out = { ...report, asaSeconds: Number.isFinite(report.asaSeconds) ? report.asaSeconds : null };
    process.stdout.write(`${JSON.stringify(out, null, values.json ? undefined : 2)}\n`);
    return 0;
  },
};
