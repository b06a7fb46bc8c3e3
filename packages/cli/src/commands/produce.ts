import { type CanonicalEvent, readJsonLines } from '@callboard/events';
import { parseCommandArgs, requireFile, type Command } from '../command.js';
import { createCliProducer, createEventSender } from '../event-sender.js';

export const produceCommand: Command = {
  name: 'produce',
  summary: 'validate a JSON-lines file of canonical events and send it to Kafka as Avro',
  usage: `callboard produce --input FILE.jsonl [--keep-order]

Validates every line against the contract and sends the valid ones in the
Confluent wire format: call events to cc.call-events.v1 keyed by callId, agent
events to cc.agent-events.v1 keyed by agentId, complaints (complaint.filed,
.responded, .resolved) and surveys (survey.completed) to cc.feedback-events.v1
keyed by complaintId / surveyId, in occurredAt order (ties in file order), as a live source
would have sent them: the aggregator holds back as late an event more than its
grace (2 h) older than the newest before it on its partition, so a file written
per queue, per agent or per call type would otherwise lose events. Bad lines
are reported on stderr by line number; the good ones are still sent. Exit code
1 when any line was bad, 0 otherwise.

Options:
  --input FILE   the JSON-lines file (required)
  --keep-order   send in file order instead, streaming (to replay a disorder)
  -h, --help     this help`,
  async run(argv, makeCtx) {
    const { values } = parseCommandArgs('produce', argv, { input: { type: 'string' }, 'keep-order': { type: 'boolean' } });
    if (values.help) {
      process.stdout.write(`${this.usage}\n`);
      return 0;
    }
    const input = requireFile('produce', 'input', values.input);
    const ctx = makeCtx();
    const producer = createCliProducer(ctx);
    await producer.connect();
    const sender = createEventSender(producer, ctx.codec());
    let bad = 0;
    // The valid events of the file, reporting each bad line as it is read.
    async function* valid(): AsyncGenerator<CanonicalEvent> {
      for await (const line of readJsonLines(input)) {
        if (line.ok) yield line.event;
        else {
          bad += 1;
          process.stderr.write(`${input}:${line.lineNo}: ${line.error.code}: ${line.error.message}\n`);
        }
      }
    }
    try {
      const events = values['keep-order'] ? valid() : await inTimeOrder(valid());
      for await (const event of events) await sender.send(event);
      await sender.flush();
    } finally {
      await producer.disconnect();
    }
    process.stderr.write(`produce: ${sender.sent} sent, ${bad} bad line(s)\n`);
    return bad > 0 ? 1 : 0;
  },
};

/** The events by `occurredAt` (normalised to UTC by the contract), a stable sort: ties stay in file order. */
async function inTimeOrder(events: AsyncIterable<CanonicalEvent>): Promise<CanonicalEvent[]> {
  const all: { at: number; event: CanonicalEvent }[] = [];
  for await (const event of events) all.push({ at: Date.parse(event.occurredAt), event });
  return all.sort((a, b) => a.at - b.at).map((e) => e.event);
}
