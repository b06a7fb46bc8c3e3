import { readFileSync } from 'node:fs';
import { isCallboardError } from '@callboard/errors';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES, DEFAULT_RULES_URL, defaultRules, firstJsonError, globMatch, loadRules, parseRules, ruleWarnings, rulesForQueue } from '../src/index.js';

function baseRule(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 'sl', name: 'SL', metric: 'sl.primary', comparator: '<', fire: 0.8, clear: 0.85, severity: 'warning', routes: ['pager'], ...overrides };
}

function file(rules: Record<string, unknown>[]): Record<string, unknown> {
  return { version: 1, routes: { pager: { type: 'webhook', url: 'https://hooks.example.test/pager' } }, rules };
}

/** The CallboardError a bad rules file raises, so each test can look at its message and context. */
function refusal(fn: () => unknown): { message: string; issues: { path: string; message: string }[] } {
  try {
    fn();
  } catch (err) {
    if (!isCallboardError(err, 'CB_RULES_INVALID')) throw err;
    return { message: err.message, issues: (err.context.issues as { path: string; message: string }[] | undefined) ?? [] };
  }
  throw new Error('expected the rules to be refused');
}

describe('rule validation', () => {
  it('accepts a good file and applies defaults', () => {
    const rules = parseRules(file([baseRule({ clear: undefined })]));
    expect(rules.groups).toEqual({ groupBy: ['tenantId', 'ruleId', 'kind'], groupWaitMs: 10_000, groupIntervalMs: 30_000, repeatIntervalMs: 14_400_000 });
    expect(rules.rules[0]).toMatchObject({ scope: { tenant: '*', queue: '*' }, window: 'rolling-15m', forMs: 0, keepFiringForMs: 0, minVolume: 0, labels: {}, clear: 0.8 });
  });

  it('refuses an unknown metric, naming the field', () => {
    const r = refusal(() => parseRules(file([baseRule(), baseRule({ id: 'x', metric: 'sl.bogus' })]), 'rules.json'));
    expect(r.message).toMatch(/^rules\.json: rules\[1\]\.metric: unknown metric "sl\.bogus"/);
    expect(r.issues).toEqual([expect.objectContaining({ path: 'rules[1].metric' })]);
  });

  it('refuses impossible thresholds', () => {
    const percent = refusal(() => parseRules(file([baseRule({ metric: 'abandonRate', comparator: '>', fire: 10, clear: 8 })])));
    expect(percent.issues.map((i) => i.path)).toEqual(['rules[0].fire', 'rules[0].clear']);
    expect(percent.message).toContain('rules[0].fire: 10 is impossible for abandonRate');
    expect(percent.message).toContain('80 % is 0.8');

    expect(refusal(() => parseRules(file([baseRule({ fire: 0, clear: 0.1 })]))).message).toContain('rules[0].fire: sl.primary < 0 can never be true');
    expect(refusal(() => parseRules(file([baseRule({ metric: 'live.longestWaitingMs', comparator: '>', fire: -1, clear: -1 })]))).issues[0]?.path).toBe('rules[0].fire');
    expect(refusal(() => parseRules(file([baseRule({ metric: 'asaMs', fire: { ofTarget: 1 }, clear: { ofTarget: 1 } })]))).message).toContain('rules[0].fire: { ofTarget } is only for service-level metrics');
    expect(refusal(() => parseRules(file([baseRule({ fire: { ofTarget: -1 } })]))).issues[0]?.path).toBe('rules[0].fire.ofTarget');
    expect(refusal(() => parseRules(file([baseRule({ fire: 'low' })]))).message).toContain('rules[0].fire: must be a number or { "ofTarget": n }');
  });

  it('refuses a clear threshold on the wrong side of fire', () => {
    const low = refusal(() => parseRules(file([baseRule({ fire: 0.8, clear: 0.7 })])));
    expect(low.message).toContain("rules[0].clear: clear 0.7 is on the wrong side of fire 0.8: a '<' rule clears at or above");
    const high = refusal(() => parseRules(file([baseRule(), baseRule({ id: 'ab', metric: 'abandonRate', comparator: '>', fire: 0.1, clear: 0.2 })])));
    expect(high.issues.map((i) => i.path)).toEqual(['rules[1].clear']);
    const target = refusal(() => parseRules(file([baseRule({ fire: { ofTarget: 1 }, clear: { ofTarget: 0.9 } })])));
    expect(target.issues.map((i) => i.path)).toEqual(['rules[0].clear']);
    const mixed = refusal(() => parseRules(file([baseRule({ fire: { ofTarget: 1 }, clear: 0.9 })])));
    expect(mixed.message).toContain('rules[0].clear: must have the same form as fire');
  });

  it('refuses an unknown route, a negative duration, a duplicate id and escalation of a warning', () => {
    expect(refusal(() => parseRules(file([baseRule({ routes: ['pager', 'sms'] })]))).message).toContain('rules[0].routes[1]: unknown route "sms"; routes defined: pager');
    expect(refusal(() => parseRules(file([baseRule({ forMs: -60_000 })]))).message).toContain('rules[0].forMs: must not be negative');
    expect(refusal(() => parseRules(file([baseRule({ keepFiringForMs: -1 })]))).issues[0]?.path).toBe('rules[0].keepFiringForMs');
    expect(refusal(() => parseRules(file([baseRule(), baseRule()]))).message).toContain('rules[1].id: duplicate rule id "sl"');
    expect(refusal(() => parseRules(file([baseRule({ escalateAfterMs: 600_000 })]))).message).toContain('rules[0].escalateAfterMs: only critical rules escalate');
    const critical = { severity: 'critical', escalateAfterMs: 600_000 };
    expect(refusal(() => parseRules(file([baseRule({ ...critical, escalationRoutes: ['manager'] })]))).message).toContain('rules[0].escalationRoutes[0]: unknown route "manager"');
    expect(refusal(() => parseRules(file([baseRule({ severity: 'critical', escalationRoutes: ['pager'] })]))).issues[0]?.path).toBe('rules[0].escalationRoutes');
    expect(refusal(() => parseRules(file([baseRule({ scope: { tenant: 'acme|x' } })]))).issues[0]?.path).toBe('rules[0].scope.tenant');
    expect(refusal(() => parseRules({ ...file([]), routes: { pager: { type: 'webhook', url: 'ftp://x' } } })).issues[0]?.path).toBe('routes.pager.url');
    expect(refusal(() => parseRules({ ...file([]), version: 2 })).issues[0]?.path).toBe('version');
  });

  it('never echoes the text of a broken file, where a route credential may sit (issue 8 item 4)', () => {
    const broken = '{\n  "version": 1,\n  "routes": { "pager": { "type": "webhook", "url": "https://pager.example/hook",\n    "headers": { "X-Api-Key": s3cr3t } } },\n  "rules": []\n}\n';
    let thrown: unknown;
    try {
      loadRules(broken, 'rules.json');
    } catch (err) {
      thrown = err;
    }
    const error = thrown as Error & { cause?: unknown; context?: unknown };
    expect(error.message).toMatch(/^rules\.json:4:\d+: not valid JSON/);
    expect(`${error.message} ${String(error.cause)} ${JSON.stringify(error)} ${error.stack}`).not.toContain('s3cr3t');
  });

  it('reports a JSON syntax error with its line and column', () => {
    const trailingComma = '{\n  "version": 1,\n  "rules": [\n    { "id": "a" },\n  ]\n}\n';
    const r = refusal(() => loadRules(trailingComma, 'tenant-rules.json'));
    expect(r.message).toMatch(/^tenant-rules\.json:5:3: not valid JSON/);

    // Node 20 gives no position for this one; the scanner finds it.
    const missingValue = '{\n  "version": 1,\n  "routes": {},\n  "rules": }';
    try {
      loadRules(missingValue, 'r.json');
      expect.unreachable();
    } catch (err) {
      expect(isCallboardError(err, 'CB_RULES_INVALID')).toBe(true);
      expect((err as Error).message).toMatch(/^r\.json:4:12: not valid JSON/);
      expect((err as { context: unknown }).context).toMatchObject({ line: 4, column: 12 });
    }

    expect(refusal(() => loadRules('{\n  "version": 1,\n', 'cut.json')).message).toMatch(/^cut\.json:3:1:/);
  });

  it('finds the first JSON grammar error', () => {
    expect(firstJsonError('{"a": [1, 2.5e3, true, null, "x\\n"]}')).toBeUndefined();
    expect(firstJsonError('{"a": tru}')).toBe(9);
    expect(firstJsonError('{"a": 01}')).toBe(7);
    expect(firstJsonError('[1,]')).toBe(3);
    expect(firstJsonError('{"a" 1}')).toBe(5);
    expect(firstJsonError('"abc')).toBe(4);
    expect(firstJsonError('1 2')).toBe(2);
  });
});

describe('rule warnings and scope', () => {
  const known = [
    { tenantId: 'acme', queueId: 'sales' },
    { tenantId: 'acme', queueId: 'support-1' },
    { tenantId: 'globex', queueId: 'sales' },
  ];

  it('warns about a selector that matches no known queue', () => {
    const rules = parseRules(
      file([baseRule({ minVolume: 10 }), baseRule({ id: 'typo', scope: { tenant: 'acme', queue: 'suport-*' }, minVolume: 10 }), baseRule({ id: 'live', metric: 'live.callsWaiting', comparator: '>', fire: 5, clear: 3 })]),
    ).rules;
    const warnings = ruleWarnings(rules, known);
    expect(warnings).toEqual([{ ruleId: 'typo', path: 'rules[1].scope', message: expect.stringContaining('matches none of the 3 known queues') }]);
  });

  it('warns about minVolume 0 on a rate', () => {
    const rules = parseRules(file([baseRule({ metric: 'abandonRate', comparator: '>', fire: 0.1, clear: 0.08 })])).rules;
    expect(ruleWarnings(rules, known)).toEqual([expect.objectContaining({ path: 'rules[0].minVolume' })]);
  });

  it('selects rules by tenant and queue globs', () => {
    const rules = parseRules(file([baseRule({ id: 'all' }), baseRule({ id: 'support', scope: { queue: 'support-?' } }), baseRule({ id: 'globex', scope: { tenant: 'glob*' } })])).rules;
    expect(rulesForQueue(rules, 'acme', 'support-1').map((r) => r.id)).toEqual(['all', 'support']);
    expect(rulesForQueue(rules, 'globex', 'sales').map((r) => r.id)).toEqual(['all', 'globex']);
    expect(globMatch('support-?', 'support-12')).toBe(false);
    expect(globMatch('a.b*', 'axb')).toBe(false);
    expect(globMatch('*-eu', 'sales-eu')).toBe(true);
  });
});

describe('default rules', () => {
  it('ships a rules file that validates and equals DEFAULT_RULES', () => {
    const text = readFileSync(DEFAULT_RULES_URL, 'utf8');
    const shipped = loadRules(text, 'rules/default.json');
    expect(JSON.parse(text)).toEqual(DEFAULT_RULES);
    expect(shipped).toEqual(defaultRules());
    expect(shipped.rules.map((r) => r.id)).toEqual([
      'sl-below-target',
      'sl-critical',
      'longest-wait',
      'abandon-rate',
      'waiting-no-agent',
      'projected-sl-breach',
      'source-silent',
      'complaints-overdue-tenant',
      'complaints-overdue-queue',
      'complaints-per-10k-tenant',
      'complaints-per-10k-queue',
    ]);
    expect(shipped.reminders.map((r) => r.id)).toEqual(['complaint-urgent-reminder', 'complaint-normal-reminder']);
    expect(ruleWarnings(shipped.rules, [{ tenantId: 'acme', queueId: 'sales' }])).toEqual([]);
  });

  it('the deployable config/rules.json (CB_RULES_FILE default) is the shipped copy, so a new default rule reaches a real alerter', () => {
    const deployed = readFileSync(new URL('../../../config/rules.json', import.meta.url), 'utf8');
    expect(JSON.parse(deployed)).toEqual(DEFAULT_RULES);
  });

  it('implements the issue’s defaults', () => {
    const byId = new Map(defaultRules().rules.map((r) => [r.id, r]));
    expect(byId.get('sl-below-target')).toMatchObject({ metric: 'sl.primary', comparator: '<', fire: { ofTarget: 1 }, forMs: 60_000, severity: 'warning' });
    expect(byId.get('sl-critical')).toMatchObject({ metric: 'sl.primary', fire: { ofTarget: 0.6 }, severity: 'critical' });
    expect(byId.get('longest-wait')).toMatchObject({ metric: 'live.longestWaitingMs', comparator: '>', fire: 120_000 });
    expect(byId.get('abandon-rate')).toMatchObject({ metric: 'abandonRate', fire: 0.1, window: 'rolling-15m' });
    expect(byId.get('abandon-rate')?.minVolume).toBeGreaterThan(0);
    expect(byId.get('waiting-no-agent')).toMatchObject({ metric: 'live.waitingWithNoAgent', severity: 'warning', forMs: 120_000 });
    expect(byId.get('projected-sl-breach')).toMatchObject({ metric: 'planning.projectedSl', labels: { predictive: 'true' } });
  });
});
