import { parseRules } from './load-rules.js';
import type { RulesFile, RulesFileInput } from './rule.js';

/**
 * Where the shipped copy of {@link DEFAULT_RULES} lives: `packages/alerts/rules/default.json`, the file
 * operators copy and edit. A test keeps the two identical.
 */
export const DEFAULT_RULES_URL: URL = new URL('../rules/default.json', import.meta.url);

/**
 * The rules every tenant gets unless it ships its own (issue #4), tuned for a voice contact center
 * with an 80/20-style SL target. The reasoning behind each number:
 *
 * - `sl-below-target` (warning): the queue's primary SL on rolling-15m below its target for a minute.
 *   15 minutes is the WFM interval, long enough to smooth single calls; one minute of `forMs` skips
 *   a blip from one unlucky call. It clears at 102 % of target so an SL hovering on the line does not
 *   flap; 10 finished calls are the least an SL percentage means anything on.
 * - `sl-critical` (critical): SL below 60 % of target "for 2 intervals". Measured as rolling-15m held
 *   below for 15 minutes (`forMs` 900 000): the first and the last sample of that hold cover two
 *   back-to-back 15-minute spans of calls, i.e. two intervals' worth of traffic all below the line.
 *   A rolling window rather than `interval-15m` because an interval window restarts empty every
 *   quarter hour, which would drop the alert to `nodata` and restart `forMs` each time. Clears at
 *   70 % of target; escalates if nobody acknowledges it within 15 minutes.
 * - `longest-wait` (warning): a caller has waited over 120 s. A live wait only grows, so `forMs` 0
 *   loses nothing; it clears below 90 s and stays up a minute so the next long caller does not re-page.
 * - `abandon-rate` (warning): more than 10 % of rolling-15m outcomes abandoned, clearing at 8 %.
 *   `minVolume` 20: on 5 calls one hang-up is already 20 %.
 * - `waiting-no-agent` (warning): callers have waited with every agent busy or away for 2 minutes
 *   without a break. A call only waits when no agent is free, so a short spell is just a busy moment;
 *   two minutes without one free agent means the queue is under-staffed. The flag is 0 or 1, so
 *   fire > 0.5, clear ≤ 0.5.
 * - `projected-sl-breach` (warning, `predictive: true`): Erlang C projects the next interval's SL below
 *   target with the current arrival rate, AHT and agents staffed. It looks ahead, so it fires before
 *   the measured SL falls (DESIGN §6 "Predictive rules"); 30 s of `forMs` rides out an agent
 *   toggling state, and 5 recent arrivals are needed for an arrival rate at all.
 *
 * - `source-silent` (critical): a source of the tenant (a PBX adapter, the HTTP ingest's clients, the
 *   simulator) is stale: no heartbeat for 60 s, its events stuck on the way, or (when the aggregator
 *   is given `CB_SOURCE_MAX_EVENT_AGE_MS`) its newest event older than that bound (issue 10 item 5).
 *   Critical because every other number of the tenant is then wrong without looking wrong. `forMs` 0:
 *   the 60 s are already in the staleness; it resolves the moment the source is back
 *   (`keepFiringForMs` 0), one alert per source (docs/decisions/0008-source-freshness.md).
 *
 * Complaints (issue 11 item 4, 实时提醒机制; docs/alerts.md "Complaint reminders"):
 * - `complaint-urgent-reminder` (critical): an urgent complaint still unanswered 30 and 5 minutes
 *   before its response due time and at it. Urgent complaints are typically due within hours, so 30
 *   minutes leaves time to call back, 5 minutes is the last call, and the deadline tells the lead it
 *   was missed;
 * - `complaint-normal-reminder` (warning): a normal complaint an hour before its due time (normal
 *   ones are due in a day or more, an hour is enough to pick one up) and at it.
 * Backlog rules, `forMs` 0 on live counts (facts, not estimates), `forMs` 5 min on the rate:
 * - `complaints-overdue-tenant` (critical): 5 or more open complaints of the tenant (queue-less ones
 *   included) are past their due time unanswered; one is a reminder's business, five are a backlog.
 *   Clears at 1 or fewer. Level `tenant`: the tenant-total snapshot, one alert per tenant;
 * - `complaints-overdue-queue` (warning): 3 or more overdue in one queue; clears at none;
 * - `complaints-per-10k-tenant` (warning): today's complaints per 10 000 answered inbound contacts
 *   above 10 (0.1 %), with at least 500 answered today so a morning's first complaints do not fire
 *   it; clears at 8. `-queue`: the same per queue with at least 200 answered.
 *
 * Every rule notifies route `default`, a placeholder webhook on 127.0.0.1:9402 to be changed to the
 * tenant's real endpoint.
 */
export const DEFAULT_RULES: RulesFileInput = {
  version: 1,
  description: 'callboard default alert rules (packages/alerts/src/default-rules.ts explains every number). Change routes.default.url before use.',
  groups: { groupBy: ['tenantId', 'ruleId', 'kind'], groupWaitMs: 10_000, groupIntervalMs: 30_000, repeatIntervalMs: 14_400_000 },
  routes: {
    default: { type: 'webhook', url: 'http://127.0.0.1:9402/hook' },
  },
  rules: [
    {
      id: 'sl-below-target',
      name: 'Service level below target',
      description: 'Primary SL on rolling-15m under the queue target for 1 minute.',
      metric: 'sl.primary',
      window: 'rolling-15m',
      comparator: '<',
      fire: { ofTarget: 1 },
      clear: { ofTarget: 1.02 },
      forMs: 60_000,
      keepFiringForMs: 120_000,
      minVolume: 10,
      severity: 'warning',
      labels: { category: 'service-level' },
      routes: ['default'],
    },
    {
      id: 'sl-critical',
      name: 'Service level below 60 % of target for 2 intervals',
      description: 'Primary SL on rolling-15m under 60 % of target, held 15 minutes: two back-to-back 15-minute spans of calls.',
      metric: 'sl.primary',
      window: 'rolling-15m',
      comparator: '<',
      fire: { ofTarget: 0.6 },
      clear: { ofTarget: 0.7 },
      forMs: 900_000,
      keepFiringForMs: 300_000,
      minVolume: 10,
      severity: 'critical',
      labels: { category: 'service-level' },
      routes: ['default'],
      escalateAfterMs: 900_000,
    },
    {
      id: 'longest-wait',
      name: 'A caller has waited over 2 minutes',
      description: 'Longest current wait over 120 s; clears under 90 s.',
      metric: 'live.longestWaitingMs',
      comparator: '>',
      fire: 120_000,
      clear: 90_000,
      forMs: 0,
      keepFiringForMs: 60_000,
      severity: 'warning',
      labels: { category: 'waiting' },
      routes: ['default'],
    },
    {
      id: 'abandon-rate',
      name: 'Abandon rate over 10 %',
      description: 'Abandoned / outcomes on rolling-15m over 10 % for 1 minute, with at least 20 outcomes; clears at 8 %.',
      metric: 'abandonRate',
      window: 'rolling-15m',
      comparator: '>',
      fire: 0.1,
      clear: 0.08,
      forMs: 60_000,
      keepFiringForMs: 120_000,
      minVolume: 20,
      severity: 'warning',
      labels: { category: 'abandons' },
      routes: ['default'],
    },
    {
      id: 'waiting-no-agent',
      name: 'Calls waiting with no agent available',
      description: 'Callers have waited with every agent busy or away for 2 minutes without a break: the queue is under-staffed, not just busy for a moment.',
      metric: 'live.waitingWithNoAgent',
      comparator: '>',
      fire: 0.5,
      clear: 0.5,
      forMs: 120_000,
      keepFiringForMs: 30_000,
      severity: 'warning',
      labels: { category: 'staffing' },
      routes: ['default'],
    },
    {
      id: 'projected-sl-breach',
      name: 'Projected SL below target for the next interval',
      description: 'Erlang C projection from the rolling-15m arrival rate, AHT and agents staffed now; fires before the measured SL falls.',
      metric: 'planning.projectedSl',
      comparator: '<',
      fire: { ofTarget: 1 },
      clear: { ofTarget: 1.02 },
      forMs: 30_000,
      keepFiringForMs: 120_000,
      minVolume: 5,
      severity: 'warning',
      labels: { category: 'service-level', predictive: 'true' },
      routes: ['default'],
    },
    {
      id: 'source-silent',
      name: 'A source went silent',
      description: 'No heartbeat from the source for 60 s, or its events have stopped reaching callboard: every KPI of the tenant may be stale.',
      metric: 'source.silent',
      comparator: '>',
      fire: 0.5,
      clear: 0.5,
      forMs: 0,
      keepFiringForMs: 0,
      severity: 'critical',
      labels: { category: 'freshness' },
      routes: ['default'],
    },
    {
      kind: 'complaint-reminder',
      id: 'complaint-urgent-reminder',
      name: 'Urgent complaint due soon or overdue',
      description: 'An urgent complaint without a response 30 and 5 minutes before its due time, and at it.',
      complaintSeverities: ['urgent'],
      leadTimesMs: [1_800_000, 300_000],
      atDue: true,
      severity: 'critical',
      labels: { category: 'complaints' },
      routes: ['default'],
    },
    {
      kind: 'complaint-reminder',
      id: 'complaint-normal-reminder',
      name: 'Complaint due soon or overdue',
      description: 'A normal complaint without a response 60 minutes before its due time, and at it.',
      complaintSeverities: ['normal'],
      leadTimesMs: [3_600_000],
      atDue: true,
      severity: 'warning',
      labels: { category: 'complaints' },
      routes: ['default'],
    },
    {
      id: 'complaints-overdue-tenant',
      name: 'Complaint backlog: 5 or more overdue',
      description: 'Open complaints of the tenant (queue-less ones included) past their due time without a response; clears at 1 or fewer.',
      level: 'tenant',
      metric: 'live.complaintsOverdue',
      comparator: '>=',
      fire: 5,
      clear: 1,
      forMs: 0,
      keepFiringForMs: 60_000,
      severity: 'critical',
      labels: { category: 'complaints' },
      routes: ['default'],
    },
    {
      id: 'complaints-overdue-queue',
      name: 'Complaint backlog in a queue: 3 or more overdue',
      description: 'Open complaints of the queue past their due time without a response; clears at none.',
      metric: 'live.complaintsOverdue',
      comparator: '>=',
      fire: 3,
      clear: 0,
      forMs: 0,
      keepFiringForMs: 60_000,
      severity: 'warning',
      labels: { category: 'complaints' },
      routes: ['default'],
    },
    {
      id: 'complaints-per-10k-tenant',
      name: 'Complaints per 10 000 contacts over 10 today',
      description: "Today's complaints filed per 10 000 answered inbound contacts of the tenant over 10 for 5 minutes, with at least 500 answered; clears at 8.",
      level: 'tenant',
      metric: 'complaintsPer10k',
      window: 'today',
      comparator: '>',
      fire: 10,
      clear: 8,
      forMs: 300_000,
      keepFiringForMs: 300_000,
      minVolume: 500,
      severity: 'warning',
      labels: { category: 'complaints' },
      routes: ['default'],
    },
    {
      id: 'complaints-per-10k-queue',
      name: 'Complaints per 10 000 contacts of a queue over 10 today',
      description: "Today's complaints filed per 10 000 answered inbound contacts of the queue over 10 for 5 minutes, with at least 200 answered; clears at 8.",
      metric: 'complaintsPer10k',
      window: 'today',
      comparator: '>',
      fire: 10,
      clear: 8,
      forMs: 300_000,
      keepFiringForMs: 300_000,
      minVolume: 200,
      severity: 'warning',
      labels: { category: 'complaints' },
      routes: ['default'],
    },
  ],
};

/** {@link DEFAULT_RULES}, validated and with defaults applied. */
export function defaultRules(): RulesFile {
  return parseRules(DEFAULT_RULES, 'default alert rules');
}
