import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFeedbackEvent, parseJsonLine, type CanonicalEvent } from '@callboard/events';
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

  it('simulate --wave2 --kafka sends the complaints and surveys of its ground truth to the feedback topic, none from the future', async () => {
    const truthFile = join(dir, 'wave2-truth.jsonl');
    const r = await callboard(['simulate', '--wave2', '--seed', '4', '--minutes', '240', '--kafka', '--out', truthFile], { CB_TOPIC_PREFIX: stack.prefix });
    expect(r.code, r.stderr).toBe(0);
    const truth = readFileSync(truthFile, 'utf8')
      .trimEnd()
      .split('\n')
      .flatMap((raw, i) => {
        const line = parseJsonLine(raw, i + 1);
        return line?.ok ? [line.event] : [];
      });
    const feedback = truth.filter((e: CanonicalEvent) => isFeedbackEvent(e));
    expect(feedback.some((e) => e.type === 'complaint.filed')).toBe(true);
    expect(feedback.some((e) => e.type === 'survey.completed')).toBe(true);
    const held = await readTopicsToEnd(stack, [stack.topology.feedbackEvents.name]);
    const ids = held.flatMap((h) => (h.event && h.event.eventId.startsWith('sim-') ? [h.event.eventId] : []));
    expect(ids.sort()).toEqual(feedback.map((e) => e.eventId).sort());
    // Without the cut at now, complaint responses and closings due hours after the last arrival
    // would be dated in the future; the run stops at the instant the command started instead.
    expect(truth.every((e) => Date.parse(e.occurredAt) <= Date.now())).toBe(true);
  });

  it('simulate --wave2 --kafka with faults sends duplicates and corrupt records of feedback events too: some refused on decoding, some eventIds twice', async () => {
    const before = await readTopicsToEnd(stack, [stack.topology.feedbackEvents.name]);
    const r = await callboard(['simulate', '--wave2', '--seed', '5', '--minutes', '240', '--kafka', '--duplicates', '0.1', '--corrupt', '0.1'], { CB_TOPIC_PREFIX: stack.prefix });
    expect(r.code, r.stderr).toBe(0);
    const after = await readTopicsToEnd(stack, [stack.topology.feedbackEvents.name]);
    const added = after.filter((h) => !before.some((b) => b.partition === h.partition && b.offset === h.offset));
    const decoded = added.flatMap((h) => (h.event ? [h.event.eventId] : []));
    expect(added.length - decoded.length).toBeGreaterThan(0);
    expect(new Set(decoded).size).toBeLessThan(decoded.length);
  });
});
