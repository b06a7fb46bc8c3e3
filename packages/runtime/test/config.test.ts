import { describe, expect, it } from 'vitest';
import { loadInfraConfig } from '../src/index.js';

describe('infra config from the environment', () => {
  it('derives every address from the ports, with the documented defaults', () => {
    expect(loadInfraConfig({})).toEqual({
      kafkaBrokers: ['127.0.0.1:9092'],
      registryUrl: 'http://127.0.0.1:8081',
      redisUrl: 'redis://127.0.0.1:6379',
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
  ])('refuses %s=%s with a message that names the variable', (name, value) => {
    expect(() => loadInfraConfig({ [name]: value })).toThrowError(new RegExp(`${name}=`));
    try {
      loadInfraConfig({ [name]: value });
    } catch (err) {
      expect(err).toMatchObject({ code: 'CB_CONFIG_INVALID' });
    }
  });
});
