import type { Kafka } from 'kafkajs';
import { createTopology, createSchemaRegistry, EventCodec } from '@callboard/events';
import { createKafka, createRootLogger, loadInfraConfig, readEnv, type Env, type InfraConfig, type Logger } from '@callboard/runtime';

/** What every command may use, made lazily so `--help` needs no broker. */
export interface CliContext {
  env: Env;
  infra: InfraConfig;
  /** Logs go to stderr; stdout is for the command's output (JSON lines, reports). */
  logger: Logger;
  kafka(): Kafka;
  codec(): EventCodec;
  out(line: string): void;
}

export function createCliContext(env: Env = readEnv()): CliContext {
  const infra = loadInfraConfig(env);
  const logger = createRootLogger({ name: 'callboard-cli', level: infra.logLevel === 'info' ? 'warn' : infra.logLevel, destination: process.stderr });
  let kafka: Kafka | undefined;
  let codec: EventCodec | undefined;
  return {
    env,
    infra,
    logger,
    kafka: () => (kafka ??= createKafka({ brokers: infra.kafkaBrokers, clientId: 'callboard-cli', logger })),
    codec: () => (codec ??= new EventCodec(createSchemaRegistry(infra.registryUrl), { topology: createTopology(infra.topicPrefix) })),
    out: (line) => {
      process.stdout.write(line.endsWith('\n') ? line : `${line}\n`);
    },
  };
}
