import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStack, readTopicsToEnd, type TestStack } from '../../../test/helpers/infra.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { ndjson, offered, post, startTestIngest, token, type TestIngest } from './support.js';

const TENANT = 'limits-co';

describe('HTTP ingest limits and Kafka failure, with the real Kafka and registry (issue 10 item 3)', () => {
  let stack: TestStack;
  let t: TestIngest;
  let clock = 1_000_000;

  async function heldIds(): Promise<string[]> {
    const held = await readTopicsToEnd(stack, [stack.topology.callEvents.name, stack.topology.agentEvents.name]);
    return held.flatMap((r) => (r.event ? [r.event.eventId] : []));
  }

  async function metricsText(ingest: TestIngest): Promise<string> {
    return (await fetch(`${ingest.ingest.opsUrl}/metrics`)).text();
  }

  beforeAll(async () => {
    stack = await createTestStack('ingest-limits');
    // A clock the test moves: the token bucket never depends on how fast the machine is.
    t = await startTestIngest(stack, { limits: { maxBodyBytes: 4096, maxEvents: 3, ratePerSecond: 2, rateBurst: 4 }, now: () => clock });
  });
  afterAll(async () => {
    await t?.close();
    await stack?.cleanup();
  });

  it('refuses a body over the byte limit (413 CB_BODY_TOO_LARGE) and more events than allowed (413 CB_TOO_MANY_EVENTS), accepting nothing of them', async () => {
    clock += 10_000;
    const auth = await token(TENANT);
    const big = offered(TENANT, 'big');
    const huge = await post(t.ingest, ndjson([{ ...big, source: 'x'.repeat(5000) }]), { token: auth });
    expect([huge.status, huge.body.error?.code]).toEqual([413, 'CB_BODY_TOO_LARGE']);
    const four = ['n1', 'n2', 'n3', 'n4'].map((id) => offered(TENANT, id));
    const many = await post(t.ingest, ndjson(four), { token: auth });
    expect([many.status, many.body.error?.code]).toEqual([413, 'CB_TOO_MANY_EVENTS']);
    const manyArray = await post(t.ingest, JSON.stringify(four), { token: auth, contentType: 'application/json' });
    expect([manyArray.status, manyArray.body.error?.code]).toEqual([413, 'CB_TOO_MANY_EVENTS']);
    // Exactly the limit passes, blank lines not counted.
    const three = four.slice(0, 3);
    const ok = await post(t.ingest, `${ndjson(three)}\n\n`, { token: auth });
    expect([ok.status, ok.body.accepted]).toEqual([202, 3]);
    const held = await heldIds();
    expect(held).toEqual(expect.arrayContaining(three.map((e) => e.eventId)));
    expect(held).not.toContain(big.eventId);
    expect(held).not.toContain(four[3]!.eventId);
    const text = await metricsText(t);
    expect(text).toMatch(/callboard_ingest_http_requests_refused_total\{[^}]*code="CB_BODY_TOO_LARGE"[^}]*\} 1/);
    expect(text).toMatch(/callboard_ingest_http_requests_refused_total\{[^}]*code="CB_TOO_MANY_EVENTS"[^}]*\} 2/);
  });

  it('allows a burst then the rate per tenant, answering 429 with Retry-After past it; another tenant has its own bucket', async () => {
    clock += 10_000;
    const auth = await token(TENANT);
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 5; i += 1) {
      const r = await post(t.ingest, '', { token: auth });
      statuses.push(r.status);
      if (r.status === 429) refused = r;
    }
    expect(statuses).toEqual([202, 202, 202, 202, 429]);
    expect(refused?.body.error?.code).toBe('CB_RATE_LIMITED');
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // A second tenant is not held back by the first.
    expect((await post(t.ingest, '', { token: await token('limits-other') })).status).toBe(202);
    // Half a second later one token is back (2 per second), and only one.
    clock += 500;
    expect((await post(t.ingest, '', { token: auth })).status).toBe(202);
    expect((await post(t.ingest, '', { token: auth })).status).toBe(429);
    expect(await metricsText(t)).toMatch(/callboard_ingest_http_requests_refused_total\{[^}]*code="CB_RATE_LIMITED"[^}]*\} 2/);
  });

  it('tells onAccepted (source heartbeats) the accepted events of the tenant only after Kafka has them, and a failing hook costs no 202', async () => {
    const seen: { tenantId: string; ids: string[] }[] = [];
    const hooked = await startTestIngest(stack, { onAccepted: (tenantId, events) => seen.push({ tenantId, ids: events.map((e) => e.eventId) }) });
    const failing = await startTestIngest(stack, {
      onAccepted: () => {
        throw new Error('hook broke');
      },
    });
    try {
      const good = offered(TENANT, 'hooked');
      const r = await post(hooked.ingest, ndjson([good, offered('someone-else', 'not-mine'), '{bad']), { token: await token(TENANT) });
      expect(r.status).toBe(202);
      expect(seen).toEqual([{ tenantId: TENANT, ids: [good.eventId] }]);
      expect(await heldIds()).toContain(good.eventId);
      // Nothing accepted: no call.
      await post(hooked.ingest, ndjson(['{bad']), { token: await token(TENANT) });
      expect(seen).toHaveLength(1);
      const f = await post(failing.ingest, ndjson([offered(TENANT, 'hook-fails')]), { token: await token(TENANT) });
      expect([f.status, f.body.accepted]).toEqual([202, 1]);
    } finally {
      await hooked.close();
      await failing.close();
    }
  });

  it('answers 503 with Retry-After and claims nothing accepted when Kafka does not acknowledge; /readyz says so', async () => {
    const broken = await startTestIngest(stack);
    try {
      // The service's producer loses Kafka: sends fail as they would with every broker gone.
      await broken.producer.disconnect();
      await waitFor('readyz to turn 503', async () => ((await fetch(`${broken.ingest.opsUrl}/readyz`)).status === 503 ? true : undefined), 10_000, 100);
      const event = offered(TENANT, 'during-outage');
      const r = await post(broken.ingest, ndjson([event]), { token: await token(TENANT) });
      expect([r.status, r.body.error?.code, r.body.accepted]).toEqual([503, 'CB_KAFKA_UNAVAILABLE', undefined]);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await metricsText(broken)).toMatch(/callboard_ingest_http_requests_refused_total\{[^}]*code="CB_KAFKA_UNAVAILABLE"[^}]*\} 1/);
      expect(await heldIds()).not.toContain(event.eventId);
    } finally {
      await broken.ingest.close();
    }
  });
});
