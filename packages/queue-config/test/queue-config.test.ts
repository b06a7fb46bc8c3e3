import { describe, expect, it } from 'vitest';
import { QueueConfig } from '../src/index.js';

describe('queue settings', () => {
  const config = QueueConfig.parse({
    defaults: { slTarget: 0.85 },
    tenants: {
      acme: {
        timeZone: 'Asia/Shanghai',
        dayStartHour: 6,
        defaults: { slThresholdMs: 30_000, primarySl: 'sl.positiveAbandon' },
        queues: { vip: { slThresholdMs: 10_000, slTarget: 0.9 }, billing: {} },
      },
    },
  });

  it('layers queue over tenant over file over built-in defaults', () => {
    expect(config.resolve('acme', 'vip')).toMatchObject({ slThresholdMs: 10_000, slTarget: 0.9, primarySl: 'sl.positiveAbandon', shortAbandonMs: 5_000, timeZone: 'Asia/Shanghai', dayStartHour: 6 });
    expect(config.resolve('acme', 'billing')).toMatchObject({ slThresholdMs: 30_000, slTarget: 0.85 });
    expect(config.resolve('other', 'q')).toMatchObject({ slThresholdMs: 20_000, slTarget: 0.85, primarySl: 'sl.negativeAbandon', timeZone: 'UTC' });
    expect(config.namedQueues()).toEqual([{ tenantId: 'acme', queueId: 'vip' }, { tenantId: 'acme', queueId: 'billing' }]);
  });

  it.each([
    [{ tenants: { acme: { timeZone: 'Mars/Olympus' } } }, 'tenants.acme.timeZone'],
    [{ tenants: { acme: { timeZone: 'UTC', queues: { q: { slThresholdMs: -1 } } } } }, 'tenants.acme.queues.q.slThresholdMs'],
    [{ defaults: { primarySl: 'sl.made-up' } }, 'defaults.primarySl'],
    [{ defaults: { slTarget: 1.5 } }, 'defaults.slTarget'],
    [{ tenants: { 'bad:id': { timeZone: 'UTC' } } }, 'tenants'],
    [{ tenants: { acme: { timeZone: 'UTC', dayStartHour: 24 } } }, 'dayStartHour'],
    [{ tenants: { acme: { timeZone: 'UTC', queues: { q: { slThresholdMs: 2000, shortAbandonMs: 5000 } } } } }, 'shortAbandonMs'],
    [{ unknownKey: 1 }, 'unknownKey'],
    [{ defaults: { firstResponseTargetMs: 10 } }, 'defaults.firstResponseTargetMs'],
    [{ tenants: { acme: { timeZone: 'UTC', subscribers: 0 } } }, 'tenants.acme.subscribers'],
    [{ tenants: { acme: { timeZone: 'UTC', repeatWindowHours: 0 } } }, 'tenants.acme.repeatWindowHours'],
    [{ tenants: { acme: { timeZone: 'UTC', complaintResponseMs: { urgent: -1 } } } }, 'tenants.acme.complaintResponseMs.urgent'],
    [{ tenants: { acme: { timeZone: 'UTC', complaintResponseMs: { critical: 60_000 } } } }, 'complaintResponseMs'],
  ])('refuses %j, naming %s', (input, where) => {
    expect(() => QueueConfig.parse(input)).toThrowError(where);
  });

  it('gives the wave 2 settings (issue 11): a first-response target per queue, and per tenant subscribers, repeat window and complaint response times', () => {
    const wave2 = QueueConfig.parse({
      tenants: {
        acme: { timeZone: 'UTC', subscribers: 1_200_000, repeatWindowHours: 24, complaintResponseMs: { urgent: 3_600_000 }, queues: { chat: { firstResponseTargetMs: 60_000 } } },
        bare: { timeZone: 'UTC' },
      },
    });
    expect(wave2.resolve('acme', 'chat').firstResponseTargetMs).toBe(60_000);
    expect(wave2.resolve('acme', 'voice').firstResponseTargetMs).toBe(30_000);
    expect(wave2.tenantSettings('acme')).toEqual({ subscribers: 1_200_000, repeatWindowHours: 24, complaintResponseMs: { urgent: 3_600_000, normal: 86_400_000 } });
    expect(wave2.tenantSettings('bare')).toEqual({ repeatWindowHours: 48, complaintResponseMs: { urgent: 7_200_000, normal: 86_400_000 } });
    expect(wave2.tenantSettings('unnamed')).toEqual({ repeatWindowHours: 48, complaintResponseMs: { urgent: 7_200_000, normal: 86_400_000 } });
  });

  it('ships a default file that validates', () => {
    const shipped = QueueConfig.load(new URL('../../../config/queues.json', import.meta.url).pathname);
    expect(shipped.namedQueues().length).toBe(6);
  });
});
