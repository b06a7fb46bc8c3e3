import { CallboardError } from '@callboard/errors';
import { createJsonLinesSink, createKafkaSink, DEFAULT_CONFIG_PATH, type EventSink, loadSimulatorConfig, runSimulation, WAVE2_CONFIG_PATH } from '@callboard/simulator';
import { isoOption, numberOption, parseCommandArgs, type Command } from '../command.js';

/** Fixed, so that a file made without --start is the same file on every run. */
export const DEFAULT_FILE_START = '2026-01-05T02:00:00.000Z'; // 10:00 in Shanghai, a Monday peak
/** With --kafka the run ends this long before now, so drained calls are not in the future. */
const KAFKA_MARGIN_MS = 30 * 60_000;

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'generate realistic contact-center traffic into a JSON-lines file or Kafka',
  usage: `callboard simulate [--seed N] [--minutes M] [--speed X] [--out FILE | --kafka]
                   [--duplicates F] [--reorder F] [--reorder-window-s S] [--corrupt F]
                   [--start ISO] [--config FILE] [--wave2]

Simulates tenants, queues and agents from a config file (default:
services/simulator/config/default.json): Poisson arrivals on a time-of-day
profile, real agents, lognormal handle times, caller patience, flow-outs.

  --seed N          deterministic output for a seed (default 1)
  --minutes M       simulated minutes of arrivals (default 60); open calls then drain
  --speed X         pace output at X times real time (60: an hour in a minute);
                    default: as fast as possible
  --out FILE        write JSON lines
  --kafka           send Avro to cc.call-events.v1 / cc.agent-events.v1, and with
                    --wave2 complaints and surveys to cc.feedback-events.v1
  --duplicates F    re-send a fraction F of events (same eventId)
  --reorder F       delay a fraction F of events by up to --reorder-window-s (600)
  --corrupt F       add a fraction F of corrupt records (the originals still go)
  --start ISO       first simulated instant. Default: ${DEFAULT_FILE_START} for a
                    file (reproducible); with --kafka, now minus M minutes minus 30
                    minutes, so the whole run, drain included, lies in the past
                    (with wave 2, complaint steps due after now are not sent).
  --config FILE     the floor to simulate (default: the shipped default.json, or
                    wave2.json with --wave2)
  --wave2           add the wave 2 traffic (its rates from the config's "wave2"
                    block, else the defaults): outbound campaign dials (no_answer,
                    busy, invalid_number, rejected, connected, success), chat
                    first response, complaints with due times and responses,
                    surveys, repeat callers with HMAC callerKeys. Without --config
                    it uses services/simulator/config/wave2.json, which adds the
                    outbound-renewal campaign. Off by default.

With --out and --kafka together, the file gets the clean ground truth and Kafka
the stream with faults. With --out alone the file gets the faults too.`,
  async run(argv, makeCtx) {
    const { values } = parseCommandArgs('simulate', argv, {
      seed: { type: 'string' },
      minutes: { type: 'string' },
      speed: { type: 'string' },
      out: { type: 'string' },
      kafka: { type: 'boolean' },
      duplicates: { type: 'string' },
      reorder: { type: 'string' },
      'reorder-window-s': { type: 'string' },
      corrupt: { type: 'string' },
      start: { type: 'string' },
      config: { type: 'string' },
      wave2: { type: 'boolean' },
    });
    if (values.help) {
      process.stdout.write(`${this.usage}\n`);
      return 0;
    }
    if (!values.out && !values.kafka) throw new CallboardError('CB_USAGE', 'simulate: give --out FILE, --kafka, or both');
    const seed = numberOption('simulate', 'seed', values.seed, { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true }) ?? 1;
    const minutes = numberOption('simulate', 'minutes', values.minutes, { min: 0.1, max: 60 * 24 * 31 }) ?? 60;
    const speed = numberOption('simulate', 'speed', values.speed, { min: 0.001, max: 1_000_000 });
    const fraction = (name: string) => numberOption('simulate', name, values[name as keyof typeof values], { min: 0, max: 1 }) ?? 0;
    const faults = {
      duplicates: fraction('duplicates'),
      reorder: fraction('reorder'),
      corrupt: fraction('corrupt'),
      reorderWindowMs: (numberOption('simulate', 'reorder-window-s', values['reorder-window-s'], { min: 0, max: 86_400 }) ?? 600) * 1000,
    };
    const durationMs = Math.round(minutes * 60_000);
    const start =
      isoOption('simulate', 'start', values.start) ??
      (values.kafka ? Math.floor((Date.now() - durationMs - KAFKA_MARGIN_MS) / 1000) * 1000 : Date.parse(DEFAULT_FILE_START));
    const loaded = await loadSimulatorConfig(values.config ?? (values.wave2 ? WAVE2_CONFIG_PATH : DEFAULT_CONFIG_PATH));
    // A config without a wave2 block gets the default rates; one with a block keeps its own.
    const config = values.wave2 ? { ...loaded, wave2: loaded.wave2 ?? {} } : loaded;

    const faulty: EventSink[] = [];
    let truth: EventSink | undefined;
    let disconnect = async (): Promise<void> => undefined;
    if (values.kafka) {
      const ctx = makeCtx();
      const producer = ctx.kafka().producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      disconnect = () => producer.disconnect();
      faulty.push(createKafkaSink({ producer, codec: ctx.codec() }));
      if (values.out) truth = createJsonLinesSink(values.out);
    } else if (values.out) {
      faulty.push(createJsonLinesSink(values.out));
    }
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      const stats = await runSimulation({
        config,
        seed,
        start,
        durationMs,
        // Wave 2 drains run for hours (complaint responses and closings): with Kafka, nothing from the future.
        ...(values.kafka && config.wave2 ? { until: Date.now() } : {}),
        ...(speed === undefined ? {} : { speed }),
        faults,
        sinks: { faulty, ...(truth ? { truth } : {}) },
        signal: controller.signal,
      });
      process.stderr.write(`simulate: ${JSON.stringify({ start: new Date(start).toISOString(), ...stats })}\n`);
    } finally {
      await disconnect();
    }
    return 0;
  },
};
