import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadInfraConfig, parseEnv } from '../src/index.js';

describe('infra config from the environment', () => {
  it('derives every address from the ports, with the documented defaults', () => {
    expect(loadInfraConfig({})).toEqual({
      kafkaBrokers: ['127.0.0.1:9092'],
      registryUrl: 'http://127.0.0.1:8081',
      redisUrl: 'redis://127.0.0.1:6379',
      redis: { mode: 'single', urls: ['redis://127.0.0.1:6379'] },
      logLevel: 'info',
      topicPrefix: '',
    });
    expect(loadInfraConfig({ CB_KAFKA_PORT: '19092', CB_REDIS_PORT: '16379' })).toMatchObject({ kafkaBrokers: ['127.0.0.1:19092'], redisUrl: 'redis://127.0.0.1:16379' });
  });

  it.each([
    ['CB_KAFKA_PORT', '70000'],
    ['CB_REDIS_PORT', '-1'],
    ['CB_REGISTRY_PORT', 'eighty'],
    ['CB_KAFKA_BROKERS', 'localhost'],
    ['CB_LOG_LEVEL', 'loud'],
    ['CB_REDIS_URL', 'http://x'],
    ['CB_REDIS_URL', 'redis://a:1,,redis://b:2'],
    ['CB_REDIS_URL', 'redis://a:1,b:2'],
    ['CB_REDIS_MODE', 'sentinel'],
  ])('refuses %s=%s with a message that names the variable', (name, value) => {
    expect(() => loadInfraConfig({ [name]: value })).toThrowError(new RegExp(`${name}=`));
    try {
      loadInfraConfig({ [name]: value });
    } catch (err) {
      expect(err).toMatchObject({ code: 'CB_CONFIG_INVALID' });
    }
  });
});

describe('Redis mode and nodes (issue 9)', () => {
  const list = 'redis://127.0.0.1:7001,redis://127.0.0.1:7002,redis://127.0.0.1:7003';

  it('cluster mode takes a comma-separated list of seed nodes', () => {
    expect(loadInfraConfig({ CB_REDIS_MODE: 'cluster', CB_REDIS_URL: list })).toMatchObject({
      redisUrl: 'redis://127.0.0.1:7001',
      redis: { mode: 'cluster', urls: ['redis://127.0.0.1:7001', 'redis://127.0.0.1:7002', 'redis://127.0.0.1:7003'] },
    });
  });

  it('cluster mode takes a single seed node, and defaults to the local Cluster’s first port', () => {
    expect(loadInfraConfig({ CB_REDIS_MODE: 'cluster', CB_REDIS_URL: 'rediss://redis.example:6380' }).redis).toEqual({ mode: 'cluster', urls: ['rediss://redis.example:6380'] });
    expect(loadInfraConfig({ CB_REDIS_MODE: 'cluster' }).redis).toEqual({ mode: 'cluster', urls: ['redis://127.0.0.1:7001'] });
    expect(loadInfraConfig({ CB_REDIS_MODE: 'cluster', CB_REDIS_CLUSTER_PORT: '17001' }).redis).toEqual({ mode: 'cluster', urls: ['redis://127.0.0.1:17001'] });
  });

  it('single is the default mode, and an explicit single URL is used as it is', () => {
    expect(loadInfraConfig({ CB_REDIS_URL: 'redis://10.0.0.5:6390/2' }).redis).toEqual({ mode: 'single', urls: ['redis://10.0.0.5:6390/2'] });
    expect(loadInfraConfig({ CB_REDIS_MODE: 'single', CB_REDIS_PORT: '16379' }).redis).toEqual({ mode: 'single', urls: ['redis://127.0.0.1:16379'] });
  });

  it('single mode refuses a list of nodes with CB_CONFIG_INVALID naming CB_REDIS_MODE, without the password', () => {
    const withPassword = 'redis://:hunter2-secret@127.0.0.1:7001,redis://:hunter2-secret@127.0.0.1:7002';
    for (const env of [{ CB_REDIS_URL: list }, { CB_REDIS_MODE: 'single', CB_REDIS_URL: withPassword }]) {
      let caught: unknown;
      try {
        loadInfraConfig(env);
      } catch (err) {
        caught = err;
      }
      expect(caught).toMatchObject({ code: 'CB_CONFIG_INVALID' });
      expect((caught as Error).message).toMatch(/CB_REDIS_MODE=cluster/);
      expect((caught as Error).message).toMatch(/CB_REDIS_URL=/);
      expect((caught as Error).message).not.toContain('hunter2');
    }
  });
});

describe('config errors never print a secret (issue 8 item 4)', () => {
  const schema = z.object({
    CB_GATEWAY_SECRET: z.string().min(32, 'must be at least 32 characters'),
    CB_GATEWAY_SCRAPE_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
    CB_DB_PASSWORD: z.enum(['only-this-one']).optional(),
    CB_INGEST_TOKEN_SECRET_PREVIOUS: z.string().min(32, 'must be at least 32 characters').optional(),
    CB_REDIS_URL: z.string().regex(/^rediss:\/\//, 'must be a rediss:// URL').optional(),
  });

  function messageOf(env: Record<string, string>): string {
    try {
      parseEnv(schema, env);
    } catch (err) {
      expect(err).toMatchObject({ code: 'CB_CONFIG_INVALID' });
      return `${(err as Error).message} ${JSON.stringify((err as { context: unknown }).context)}`;
    }
    throw new Error('expected the configuration to be refused');
  }

  it('names CB_GATEWAY_SECRET=hunter2 and the rule, never the value', () => {
    const message = messageOf({ CB_GATEWAY_SECRET: 'hunter2' });
    expect(message).toContain('CB_GATEWAY_SECRET');
    expect(message).toContain('at least 32 characters');
    expect(message).not.toContain('hunter2');
  });

  it('hides *_TOKEN and *_PASSWORD values, even where zod repeats what it received', () => {
    const message = messageOf({ CB_GATEWAY_SECRET: 'x'.repeat(32), CB_GATEWAY_SCRAPE_TOKEN: 'tok-hunter3', CB_DB_PASSWORD: 'pw-hunter4' });
    expect(message).toMatch(/CB_GATEWAY_SCRAPE_TOKEN: /);
    expect(message).toMatch(/CB_DB_PASSWORD: /);
    expect(message).not.toContain('hunter3');
    expect(message).not.toContain('hunter4');
  });

  it('hides the previous secret of a rotation (*_SECRET_PREVIOUS) too', () => {
    const message = messageOf({ CB_GATEWAY_SECRET: 'x'.repeat(32), CB_INGEST_TOKEN_SECRET_PREVIOUS: 'prev-hunter6' });
    expect(message).toMatch(/CB_INGEST_TOKEN_SECRET_PREVIOUS: must be at least 32/);
    expect(message).not.toContain('hunter6');
  });

  it('masks the userinfo of a URL but keeps the rest', () => {
    const message = messageOf({ CB_GATEWAY_SECRET: 'x'.repeat(32), CB_REDIS_URL: 'redis://admin:hunter5@cache.example:6379/0' });
    expect(message).toContain('CB_REDIS_URL="redis://***@cache.example:6379/0"');
    expect(message).not.toContain('hunter5');
    expect(message).not.toContain('admin');
  });
});
