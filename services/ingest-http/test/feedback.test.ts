import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStack, readTopicsToEnd, type TestStack } from '../../../test/helpers/infra.js';
import { OPENAPI_PATH } from '../src/index.js';
import { ndjson, post, startTestIngest, token, type TestIngest } from './support.js';

const TENANT = 'acme-feedback';

/** A complaint, its response and closing, and a survey: the feedback events of issue 11. */
function feedbackEvents(id: string, at = Date.now() - 60_000): Record<string, unknown>[] {
  const iso = (ms: number) => new Date(ms).toISOString();
  const base = { tenantId: TENANT, source: 'crm' };
  return [
    {
      ...base,
      eventId: `${id}-filed`,
      type: 'complaint.filed',
      occurredAt: iso(at),
      complaintId: `cmp-${id}`,
      queueId: 'billing',
      channel: 'voice',
      category: 'billing',
      severity: 'urgent',
      callerKey: 'a'.repeat(64),
      callId: `call-${id}`,
      responseDueAt: iso(at + 3_600_000),
    },
    { ...base, eventId: `${id}-resp`, type: 'complaint.responded', occurredAt: iso(at + 1_000), complaintId: `cmp-${id}`, agentId: 'agent-1' },
    { ...base, eventId: `${id}-res`, type: 'complaint.resolved', occurredAt: iso(at + 2_000), complaintId: `cmp-${id}`, outcome: 'resolved' },
    { ...base, eventId: `${id}-srv`, type: 'survey.completed', occurredAt: iso(at + 3_000), surveyId: `srv-${id}`, queueId: 'billing', callId: `call-${id}`, csat: 4, nps: 9, resolved: true },
  ];
}

describe('HTTP ingest of complaints and surveys (issue 11 item 1)', () => {
  let stack: TestStack;
  let t: TestIngest;

  beforeAll(async () => {
    stack = await createTestStack('ingest-feedback');
    t = await startTestIngest(stack);
  });
  afterAll(async () => {
    await t?.close();
    await stack?.cleanup();
  });

  it('accepts complaint and survey events and puts them on the feedback topic, keyed by complaintId / surveyId, decoding to what was posted', async () => {
    const events = feedbackEvents('h1');
    const bad = { ...events[0], eventId: 'h1-bad', severity: 'apocalyptic' };
    const r = await post(t.ingest, ndjson([...events, bad]), { token: await token(TENANT) });
    expect(r.status).toBe(202);
    expect(r.body.accepted).toBe(4);
    expect(r.body.rejected?.map(({ line, code }) => ({ line, code }))).toEqual([{ line: 5, code: 'CB_EVENT_INVALID' }]);
    const held = await readTopicsToEnd(stack, [stack.topology.feedbackEvents.name, stack.topology.callEvents.name]);
    const onFeedback = held.filter((h) => h.topic === stack.topology.feedbackEvents.name);
    expect(onFeedback.map((h) => h.event)).toEqual(expect.arrayContaining(events.map((e) => expect.objectContaining(e))));
    expect(onFeedback).toHaveLength(4);
    expect(held.filter((h) => h.topic === stack.topology.callEvents.name)).toEqual([]);
    // The three events of one complaint share its key, so they share a partition.
    const complaintPartitions = new Set(onFeedback.filter((h) => h.event?.type.startsWith('complaint.')).map((h) => h.partition));
    expect(complaintPartitions.size).toBe(1);
  });

  it('lists the feedback event types in the OpenAPI body schema', async () => {
    const res = await fetch(`${t.ingest.url}${OPENAPI_PATH}`);
    const text = await res.text();
    for (const type of ['complaint.filed', 'complaint.responded', 'complaint.resolved', 'survey.completed']) expect(text).toContain(`"${type}"`);
  });
});
