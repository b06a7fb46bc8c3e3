import { readFileSync } from 'node:fs';
import { loadRules, ruleWarnings } from '@callboard/alerts';
import { CallboardError } from '@callboard/errors';
import { parseCommandArgs, type Command } from '../command.js';
import { loadQueueConfig } from '../queue-file.js';

export const rulesCommand: Command = {
  name: 'rules',
  summary: 'validate an alert rules file',
  usage: `callboard rules check FILE [--queues FILE]

Validates an alert rules file as the alerter does at start and on every reload:
unknown metrics, impossible thresholds, a clear threshold on the wrong side of
the fire threshold and unknown routes are errors, naming the line or field; a
selector that matches no configured queue is a warning. Exit code 1 on errors.`,
  async run(argv, makeCtx) {
    const { values, positionals } = parseCommandArgs('rules', argv, { queues: { type: 'string' } }, true);
    const [sub, file] = positionals;
    if (values.help || sub === undefined) {
      process.stdout.write(`${this.usage}\n`);
      return values.help ? 0 : 2;
    }
    if (sub !== 'check' || file === undefined) throw new CallboardError('CB_USAGE', 'rules: usage is rules check FILE');
    const rules = loadRules(readFileSync(file, 'utf8'), file);
    const queues = loadQueueConfig(makeCtx(), values.queues).namedQueues();
    for (const w of ruleWarnings(rules.rules, queues)) process.stderr.write(`${file}: warning: ${JSON.stringify(w)}\n`);
    process.stdout.write(`${file}: ${rules.rules.length} rule(s), ${Object.keys(rules.routes).length} route(s): ok\n`);
    return 0;
  },
};
