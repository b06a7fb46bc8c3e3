import { createKafka, createRedis, createRootLogger, loadInfraConfig, readEnv } from '@callboard/runtime';

/**
 * The suite runs against the real Kafka, Schema Registry and Redis, which `scripts/test.sh` starts.
 * If one is not there, say so once, clearly, instead of a hundred time-outs.
 */
export default async function setup(): Promise<void> {
  const infra = loadInfraConfig(readEnv());
  const problems: string[] = [];
  const logger = createRootLogger({ name: 'test-setup', level: 'silent' });
  const admin = createKafka({ brokers: infra.kafkaBrokers, clientId: 'test-setup', logger }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (err) {
    problems.push(`Kafka at ${infra.kafkaBrokers.join(',')}: ${(err as Error).message}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  try {
    const res = await fetch(`${infra.registryUrl}/subjects`);
    if (!res.ok) problems.push(`Schema Registry at ${infra.registryUrl}: HTTP ${res.status}`);
  } catch (err) {
    problems.push(`Schema Registry at ${infra.registryUrl}: ${(err as Error).message}`);
  }
  const redis = createRedis(infra.redis, logger, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    problems.push(`Redis (${infra.redis.mode}) at ${infra.redis.urls.join(',')}: ${(err as Error).message}`);
  } finally {
    redis.disconnect();
  }
  if (problems.length > 0) {
    throw new Error(`the real services are not reachable; start them with 'pnpm callboard infra up' or run scripts/test.sh:\n  ${problems.join('\n  ')}`);
  }
}
