import { readJsonLines, type EncodedRecord } from '@callboard/events';
import { parseCommandArgs, requireString, type Command } from '../command.js';

const BATCH = 500;

export const produceCommand: Command = {
  name: 'produce',
  summary: 'validate a JSON-lines file of canonical events and send it to Kafka as Avro',
  usage: `callboard produce --input FILE.jsonl

Validates every line against contract v1 and sends the valid ones to
cc.call-events.v1 / cc.agent-events.v1 in the Confluent wire format, keyed by
callId / agentId. Bad lines are reported on stderr by line number; the good
ones are still sent. Exit code 1 when any line was bad, 0 otherwise.

Options:
  --input FILE   the JSON-lines file (required)
  -h, --help     this help`,
  async run(argv, makeCtx) {
    const { values } = parseCommandArgs('produce', argv, { input: { type: 'string' } });
    if (values.help) {
      process.stdout.write(`${this.usage}\n`);
      return 0;
    }
    const input = requireString('produce', 'input', values.input);
    const ctx = makeCtx();
    const codec = ctx.codec();
    const producer = ctx.kafka().producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    let sent = 0;
    let bad = 0;
    let pending: EncodedRecord[] = [];
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      const byTopic = new Map<string, { key: string; value: Buffer }[]>();
      for (const r of pending) {
        const list = byTopic.get(r.topic) ?? [];
        list.push({ key: r.key, value: r.value });
        byTopic.set(r.topic, list);
      }
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      sent += pending.length;
      pending = [];
    };
    try {
      for await (const line of readJsonLines(input)) {
        if (!line.ok) {
          bad += 1;
          process.stderr.write(`${input}:${line.lineNo}: ${line.error.code}: ${line.error.message}\n`);
          continue;
        }
        pending.push(await codec.encodeEvent(line.event));
        if (pending.length >= BATCH) await flush();
      }
      await flush();
    } finally {
      await producer.disconnect();
    }
    process.stderr.write(`produce: ${sent} sent, ${bad} bad line(s)\n`);
    return bad > 0 ? 1 : 0;
  },
};
