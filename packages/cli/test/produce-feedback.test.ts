import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callboard } from '../../../test/helpers/cli.js';
import { createTestStack, readTopicsToEnd, type TestStack } from '../../../test/helpers/infra.js';

describe('callboard produce of complaints and surveys (issue 11 item 1)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cb-produce-feedback-'));
  let stack: TestStack;
  beforeAll(async () => {
    stack = await createTestStack('cli-feedback');
  });
  afterAll(async () => {
    await stack?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('produce sends complaints and surveys to cc.feedback-events.v1, where they decode to the lines sent', async () => {
    const at = Date.now() - 60_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const lines = [
      { eventId: 'pf1', type: 'complaint.filed', occurredAt: iso(at), tenantId: 'acme-telecom', complaintId: 'c-1', channel: 'chat', category: 'network', severity: 'normal' },
      { eventId: 'pf2', type: 'complaint.responded', occurredAt: iso(at + 1000), tenantId: 'acme-telecom', complaintId: 'c-1' },
      { eventId: 'pf3', type: 'complaint.resolved', occurredAt: iso(at + 2000), tenantId: 'acme-telecom', complaintId: 'c-1', outcome: 'withdrawn' },
      { eventId: 'pf4', type: 'survey.completed', occurredAt: iso(at + 3000), tenantId: 'acme-telecom', surveyId: 's-1', queueId: 'billing', csat: 2 },
      { eventId: 'pf5', type: 'call.offered', occurredAt: iso(at), tenantId: 'acme-telecom', queueId: 'billing', callId: 'pc1', channel: 'voice', direction: 'inbound' },
    ];
    const file = join(dir, 'feedback.jsonl');
    writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const r = await callboard(['produce', '--input', file], { CB_TOPIC_PREFIX: stack.prefix });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/5 sent, 0 bad/);
    const held = await readTopicsToEnd(stack, [stack.topology.feedbackEvents.name, stack.topology.callEvents.name]);
    const feedback = held.filter((h) => h.topic === stack.topology.feedbackEvents.name).map((h) => h.event);
    expect(feedback).toHaveLength(4);
    expect(feedback).toEqual(expect.arrayContaining(lines.slice(0, 4).map((l) => expect.objectContaining(l))));
    expect(held.filter((h) => h.topic === stack.topology.callEvents.name).map((h) => h.event?.eventId)).toEqual(['pf5']);
  });
});
