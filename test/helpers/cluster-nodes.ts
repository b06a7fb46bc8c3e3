import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Kafka } from 'kafkajs';
import { createRedis, type Redis } from '@callboard/runtime';
import { testLogger } from './infra.js';
import { REPO_ROOT } from './pipeline.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);

/** cb-infra with the clusters' variables, whatever the test's own environment says. */
async function cbInfra(...args: string[]): Promise<string> {
  const env = { ...process.env, CB_REDIS_MODE: 'cluster', CB_KAFKA_BROKERS_LOCAL: '3' };
  const { stdout } = await run('bash', ['infra/local/cb-infra', ...args], { cwd: REPO_ROOT, env, maxBuffer: 1 << 20, timeout: 300_000 });
  return stdout;
}

/** One Redis Cluster node as `cb-infra redis-cluster-nodes` lists it (the role as the node itself reports it). */
export interface RedisNode {
  port: number;
  pid: number | undefined;
  role: 'master' | 'replica' | 'down' | string;
  /** A replica's master's port. */
  masterPort: number | undefined;
}

export async function redisClusterNodes(): Promise<RedisNode[]> {
  return (await cbInfra('redis-cluster-nodes'))
    .trim()
    .split('\n')
    .map((line) => {
      const [port, pid, role, master] = line.trim().split(/\s+/);
      return { port: Number(port), pid: pid === '-' ? undefined : Number(pid), role: role!, masterPort: master === '-' || master === undefined ? undefined : Number(master) };
    });
}

/** One Kafka cluster node as `cb-infra kafka-cluster-nodes` lists it. */
export interface KafkaNode {
  nodeId: number;
  port: number;
  pid: number | undefined;
}

export async function kafkaClusterNodes(): Promise<KafkaNode[]> {
  return (await cbInfra('kafka-cluster-nodes'))
    .trim()
    .split('\n')
    .map((line) => {
      const [id, port, , pid] = line.trim().split(/\s+/);
      return { nodeId: Number(id), port: Number(port), pid: pid === '-' || pid === undefined ? undefined : Number(pid) };
    });
}

/** `cb-infra up` with the clusters' variables: restarts what was killed (a killed Redis master comes back as a replica). */
export async function clusterInfraUp(): Promise<void> {
  await cbInfra('up');
}

/**
 * `cb-infra up` again until it succeeds. A Kafka node killed -9 can fail to start for a while: its
 * ports (39092-39094, 39192-39194) lie in Linux's ephemeral range (32768-60999), and once a
 * restart found 127.0.0.1:39194 taken ("Address already in use") for about 100 s after the kill.
 */
export async function clusterInfraUpUntilStarted(timeoutMs = 180_000): Promise<void> {
  await waitFor('cb-infra up to start every killed node', async () => {
    await clusterInfraUp();
    return true;
  }, timeoutMs, 5_000);
}

/** kill -9 of a process and the wait until it is gone. */
export async function killNine(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  await waitFor(`pid ${pid} to exit`, () => {
    try {
      process.kill(pid, 0);
      return undefined;
    } catch {
      return true;
    }
  }, 30_000, 50);
}

/** A plain connection to one node (no redirects), closed after `fn`. */
export async function onNode<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = createRedis(`redis://127.0.0.1:${port}`, testLogger, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

/** The port of the master serving `key`'s slot, as `CLUSTER SLOTS` on `seedPort` says. */
export async function masterPortOf(seedPort: number, key: string): Promise<number> {
  return onNode(seedPort, async (r) => {
    const slot = Number(await r.call('CLUSTER', 'KEYSLOT', key));
    const ranges = (await r.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][];
    const range = ranges.find(([from, to]) => from <= slot && slot <= to);
    if (!range) throw new Error(`no node serves slot ${slot}`);
    return range[2][1];
  });
}

/** `CLUSTER INFO` of one node as a record. */
export async function clusterInfo(port: number): Promise<Record<string, string>> {
  return onNode(port, async (r) =>
    Object.fromEntries(
      String(await r.call('CLUSTER', 'INFO'))
        .split(/\r?\n/)
        .filter((l) => l.includes(':'))
        .map((l) => l.split(':') as [string, string]),
    ),
  );
}

/**
 * Waits until the Redis Cluster is whole again: six nodes running, three masters each with a
 * replica that is in sync (`master_link_status:up`), and every node saying `cluster_state:ok` with all
 * 16384 slots served and no node flagged failing. So a file after a failover test starts on a healthy cluster.
 */
export async function waitRedisClusterHealthy(timeoutMs = 120_000): Promise<RedisNode[]> {
  return waitFor(
    'the Redis Cluster to be healthy: 3 masters, 3 replicas in sync, cluster_state ok on every node',
    async () => {
      const nodes = await redisClusterNodes();
      const masters = nodes.filter((n) => n.role === 'master');
      const replicas = nodes.filter((n) => n.role === 'replica');
      if (nodes.length !== 6 || masters.length !== 3 || replicas.length !== 3) return undefined;
      if (masters.some((m) => !replicas.some((r) => r.masterPort === m.port))) return undefined;
      for (const n of nodes) {
        const info = await clusterInfo(n.port);
        if (info.cluster_state !== 'ok' || info.cluster_slots_ok !== '16384' || info.cluster_slots_pfail !== '0' || info.cluster_slots_fail !== '0' || info.cluster_known_nodes !== '6') return undefined;
        const flags = await onNode(n.port, async (r) => String(await r.call('CLUSTER', 'NODES')));
        if (/\bfail\??\b/.test(flags)) return undefined;
      }
      for (const r of replicas) {
        const link = await onNode(r.port, async (c) => String(await c.info('replication')));
        if (!/master_link_status:up/.test(link)) return undefined;
      }
      return nodes;
    },
    timeoutMs,
    500,
  );
}

/**
 * Waits until the Kafka cluster is whole again: three brokers in the cluster description and
 * every partition of every topic led and with all its replicas in sync (three for a topic created
 * with the three brokers up; provisioning gives a topic created while one was down two, for good).
 */
export async function waitKafkaClusterHealthy(kafka: Kafka, timeoutMs = 180_000): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor(
      'three Kafka brokers and every partition with all its replicas in sync',
      async () => {
        const { brokers } = await admin.describeCluster();
        if (brokers.length !== 3) return undefined;
        const topics = await admin.listTopics();
        const meta = await admin.fetchTopicMetadata({ topics });
        const short = meta.topics.flatMap((t) => t.partitions.filter((p) => p.isr.length < p.replicas.length || p.leader < 0).map((p) => `${t.name}/${p.partitionId}`));
        return short.length === 0 ? true : undefined;
      },
      timeoutMs,
      1000,
    );
  } finally {
    await admin.disconnect();
  }
}
