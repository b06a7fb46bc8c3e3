import { randomUUID } from 'node:crypto';
import { numberOption, parseCommandArgs, requireString, type Command } from '../command.js';

/** Bytes print as base64 so a DLQ record's raw payload survives as JSON. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return Buffer.from((value as { data: number[] }).data).toString('base64');
  }
  return value;
}

export const tailCommand: Command = {
  name: 'tail',
  summary: 'print a topic decoded through the Schema Registry, one JSON line per record',
  usage: `callboard tail --topic NAME [--from-beginning] [--max N] [--idle-exit-s S]

Decodes every record through the Schema Registry and prints one JSON line per
record: {"topic","partition","offset","key","value"}. Records that do not decode
are printed with an "error" instead of a "value". Bytes are base64.

Options:
  --topic NAME        the topic, e.g. cc.call-events.v1 (required)
  --from-beginning    start at the oldest record (default: only new records)
  --max N             stop after N records
  --idle-exit-s S     stop after S seconds without a record
  -h, --help          this help`,
  async run(argv, makeCtx) {
    const { values } = parseCommandArgs('tail', argv, {
      topic: { type: 'string' },
      'from-beginning': { type: 'boolean' },
      max: { type: 'string' },
      'idle-exit-s': { type: 'string' },
    });
    if (values.help) {
      process.stdout.write(`${this.usage}\n`);
      return 0;
    }
    const topic = requireString('tail', 'topic', values.topic);
    const max = numberOption('tail', 'max', values.max, { min: 1, integer: true });
    const idleExitS = numberOption('tail', 'idle-exit-s', values['idle-exit-s'], { min: 0.1 });
    const ctx = makeCtx();
    const codec = ctx.codec();
    // A throwaway group: tailing never moves a real consumer's offsets.
    const consumer = ctx.kafka().consumer({ groupId: `callboard-tail-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: values['from-beginning'] === true });
    let count = 0;
    let idleTimer: NodeJS.Timeout | undefined;
    const done = new Promise<void>((resolve) => {
      const armIdle = (): void => {
        if (idleExitS === undefined) return;
        clearTimeout(idleTimer);
        idleTimer = setTimeout(resolve, idleExitS * 1000);
      };
      armIdle();
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          if (max !== undefined && count >= max) return;
          const decoded = await codec.decode(message.value);
          const line = {
            topic,
            partition,
            offset: message.offset,
            key: message.key?.toString('utf8') ?? null,
            ...(decoded.ok ? { value: decoded.value } : { error: { code: decoded.error.code, message: decoded.error.message } }),
          };
          ctx.out(JSON.stringify(line, jsonReplacer));
          count += 1;
          armIdle();
          if (max !== undefined && count >= max) resolve();
        },
      });
    });
    await done;
    clearTimeout(idleTimer);
    await consumer.disconnect();
    return 0;
  },
};
