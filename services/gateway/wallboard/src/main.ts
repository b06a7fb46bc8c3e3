import { alertName, formatAlertValue } from './alert-format.js';
import { bannerContent } from './banner.js';
import { Connection, type ConnectionStatus } from './connection.js';
import { count, mmss, percent, percent1 } from './format.js';
import { isLabelKey, pickLanguage, t, type Language, type LabelKey } from './i18n.js';
import { everySourceStale, shortAge, type SourceRow, sourceRows } from './source-status.js';
import { FAILURE_REASONS, INBOUND_TILE, tenantStrip, tileKind, type TileKind } from './service-quality.js';
import { sparkline } from './sparkline.js';
import { ageLevel, staleThresholds } from './staleness.js';
import { tileColour } from './tile-colour.js';
import { isTenantView, type AlertRecord, type AlertStateJson, type AlertView, type KpiView, type QueueView, type Role, type RuleInfo, type SeriesPoint, type Severity, type ServerFrame, type WindowView } from './types.js';
import './styles.css';

/** The window the tiles show (docs/wallboard.md). */
const TILE_WINDOW = 'rolling-15m';
/** The window of the sparkline's points, as GET …/series computes them. */
const SPARK_WINDOW = 'rolling-5m';
const MINUTE = 60_000;

const params = new URLSearchParams(location.search);
const stale = staleThresholds(params);
const token = new URLSearchParams(location.hash.slice(1)).get('token');
let lang: Language = pickLanguage(params.get('lang'), navigator.language);
if (params.get('kiosk') === '1') document.body.classList.add('kiosk');

const views = new Map<string, QueueView>();
/** The tenant-total snapshot (queueId null): the tenant strip, never a tile. */
let tenantView: KpiView | undefined;
/** What each queue's tile showed last, so a quiet window keeps a campaign a campaign (service-quality.ts). */
const kinds = new Map<string, TileKind>();
const series = new Map<string, SeriesPoint[]>();
const alerts = new Map<string, AlertView>();
/** What each rule is, from snapshots and alert frames: names and units for alerts known only from REST. */
const rules = new Map<string, RuleInfo>();
let role: Role = 'wallboard';
let tenantId: string | undefined;
let status: ConnectionStatus = { state: 'connecting' };
let statusReason: string | undefined;

const $ = (id: string): HTMLElement => document.getElementById(id)!;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const label = (key: LabelKey, p?: Record<string, string | number>) => t(lang, key, p);
const windowOf = (view: KpiView, name: string): WindowView | undefined => view.windows.find((w) => w.name === name);

async function api<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return (await res.json()) as T;
}

async function seedSeries(queueId: string): Promise<void> {
  if (!tenantId) return;
  try {
    const body = await api<{ points: { at: string; value: number | null }[] }>(`/api/v1/tenants/${encodeURIComponent(tenantId)}/queues/${encodeURIComponent(queueId)}/series?minutes=60&step=60`);
    const seeded = body.points.map((p) => ({ at: Date.parse(p.at), value: p.value }));
    const live = (series.get(queueId) ?? []).filter((p) => p.at > (seeded.at(-1)?.at ?? 0));
    series.set(queueId, [...seeded, ...live]);
    scheduleRender();
  } catch {
    // The sparkline fills from live frames instead.
  }
}

/** Appends the rolling-5m primary SL once per minute, as the seeded points were computed. */
function appendLive(view: QueueView): void {
  const value = windowOf(view, SPARK_WINDOW)?.primarySlValue ?? null;
  const minute = Math.floor(Date.parse(view.at) / MINUTE) * MINUTE;
  const points = series.get(view.queueId) ?? [];
  const last = points.at(-1);
  if (last && last.at >= minute) return;
  points.push({ at: minute, value });
  while (points.length > 0 && points[0]!.at < minute - 61 * MINUTE) points.shift();
  series.set(view.queueId, points);
}

async function loadAlerts(): Promise<void> {
  if (!tenantId) return;
  try {
    const body = await api<{ alerts: AlertStateJson[] }>(`/api/v1/tenants/${encodeURIComponent(tenantId)}/alerts`);
    for (const a of body.alerts) mergeState(a);
    scheduleRender();
  } catch {
    // Alert frames keep coming; the next reconnect retries.
  }
}

/** A REST or `acked` state: keeps what an earlier alert frame said of the rule (name, severity, metric). */
function mergeState(a: AlertStateJson): void {
  const prev = alerts.get(a.fingerprint);
  alerts.set(a.fingerprint, { ...prev, fingerprint: a.fingerprint, queueId: a.queueId, ruleId: a.ruleId, state: a.state, value: a.value, ackBy: a.ack?.by ?? null });
}

function mergeRecord(r: AlertRecord): void {
  const severity = severityOf(r.severity);
  rules.set(r.ruleId, { ruleName: r.ruleName, severity, metric: r.metric });
  alerts.set(r.fingerprint, { fingerprint: r.fingerprint, queueId: r.queueId, ruleId: r.ruleId, ruleName: r.ruleName, severity, metric: r.metric, state: r.state, value: r.value, ackBy: r.ackBy });
}

/** A severity from the wire; anything else reads as a warning. */
function severityOf(value: string | undefined): Severity {
  return value === 'critical' || value === 'info' ? value : 'warning';
}

/** Every alert with what is known of its rule filled in. */
function knownAlerts(): AlertView[] {
  return [...alerts.values()].map((a) => ({ ...rules.get(a.ruleId), ...a }));
}

function onFrame(frame: ServerFrame): void {
  switch (frame.type) {
    case 'snapshot': {
      views.clear();
      tenantView = undefined;
      for (const [ruleId, info] of Object.entries(frame.rules ?? {})) rules.set(ruleId, { ...info, severity: severityOf(info.severity) });
      for (const v of frame.queues) {
        if (!isQueueView(v)) {
          tenantView = v;
          continue;
        }
        views.set(v.queueId, v);
        if (!series.has(v.queueId)) void seedSeries(v.queueId);
      }
      void loadAlerts();
      break;
    }
    case 'kpi': {
      if (!isQueueView(frame.view)) {
        tenantView = frame.view;
        break;
      }
      const isNew = !views.has(frame.view.queueId);
      views.set(frame.view.queueId, frame.view);
      if (isNew && !series.has(frame.view.queueId)) void seedSeries(frame.view.queueId);
      else appendLive(frame.view);
      break;
    }
    case 'alert':
      mergeRecord(frame.alert);
      break;
    case 'acked':
    case 'unacked':
      mergeState(frame.alert);
      break;
    case 'error':
      // A refused ack (e.g. `not_found`): bring its button back.
      alertsRendered = '';
      break;
    default:
      return;
  }
  scheduleRender();
}

function isQueueView(view: KpiView): view is QueueView {
  return !isTenantView(view);
}

let renderPending = false;
function scheduleRender(): void {
  if (renderPending) return;
  renderPending = true;
  setTimeout(() => {
    renderPending = false;
    render();
  }, 30);
}

/** A tile's text unit is at most this many times its height, so its content fits (styles.css `--u`). */
const UNIT_PER_TILE_HEIGHT = 1.35;

/**
 * Picks the column count that gives each tile the most room at a ~1.6:1 shape, for 1..24+ queues, in
 * the space left under the bar and the alert banner, and the text unit `u` (px) of that tile size.
 */
function layout(n: number, w: number, h: number): { cols: number; rows: number; u: number } {
  let best = { cols: 1, rows: Math.max(1, n), score: 0 };
  for (let cols = 1; cols <= Math.max(1, n); cols++) {
    const rows = Math.ceil(n / cols);
    const score = Math.min(w / cols / 1.6, h / rows);
    if (score > best.score) best = { cols, rows, score };
  }
  return { ...best, u: Math.max(1, Math.min(w / best.cols, (h / best.rows) * UNIT_PER_TILE_HEIGHT)) };
}

function metric(field: string, key: LabelKey, value: string): HTMLElement {
  const box = el('div', 'metric');
  box.dataset.field = field;
  box.append(el('span', 'metric-value', value), el('span', 'metric-label', label(key)));
  return box;
}

/** A big figure with its name beside it, as the SL is shown. */
function bigFigure(field: string, className: string, value: string, name: string): HTMLElement {
  const box = el('div', className);
  box.dataset.field = field;
  box.append(el('span', 'sl-value', value), el('span', 'sl-formula', name));
  return box;
}

/** 首次响应 beside the SL: the average and the share within the queue's target. */
function firstResponseBox(w: WindowView | undefined): HTMLElement {
  const box = el('div', 'first-response');
  box.append(metric('firstResponse', 'firstResponse', mmss(w?.avgFirstResponseMs)), metric('firstResponseWithinTarget', 'firstResponseWithinTarget', percent(w?.firstResponseWithinTarget)));
  return box;
}

/** The failed attempts by reason, one compact line: "Not connected  no answer 12 · busy 5 · …". */
function failuresLine(w: WindowView | undefined): HTMLElement {
  const line = el('div', 'failures');
  line.dataset.field = 'failures';
  line.append(el('span', 'failures-title', label('failuresTitle')));
  for (const reason of FAILURE_REASONS) {
    const chip = el('span', 'failure');
    chip.dataset.reason = reason;
    chip.append(el('span', 'failure-name', label(`failure_${reason}`)), el('span', 'failure-value', count(w?.outbound?.failed[reason])));
    line.append(chip);
  }
  return line;
}

/** A campaign (outbound only): 外呼接通率 big, 外呼成功率 beside it, the counts and the failures; no SL, no sparkline. */
function campaignTile(view: QueueView, w: WindowView | undefined, queueAlerts: AlertView[]): HTMLElement {
  const o = w?.outbound;
  const tile = el('article', `tile tile-campaign tile-${tileColour(null, view.slTarget, queueAlerts)}`);
  const head = el('header', 'tile-head');
  head.append(el('h2', 'queue-name', view.queueId), el('span', 'target campaign-tag', label('campaign')));
  const figures = el('div', 'sl');
  figures.append(bigFigure('connectRate', 'big', percent(o?.connectRate), label('connectRate')), bigFigure('successRate', 'big big-second', percent(o?.successRate), label('successRate')));
  const metrics = el('div', 'metrics');
  metrics.append(
    metric('outboundAttempts', 'outboundAttempts', count(o?.attempts)),
    metric('outboundConnected', 'outboundConnected', count(o?.connected)),
    metric('outboundSucceeded', 'outboundSucceeded', count(o?.succeeded)),
    metric('avgRing', 'avgRing', mmss(o?.avgRingMs)),
  );
  tile.append(head, figures, metrics, failuresLine(w));
  return tile;
}

/** Under an inbound tile whose queue also dials out: the campaign's two rates and attempts on one line. */
function outboundLine(w: WindowView | undefined): HTMLElement {
  const o = w?.outbound;
  const line = el('div', 'outbound-line');
  line.append(
    el('span', 'outbound-title', label('outboundLine')),
    metric('connectRate', 'connectRate', percent(o?.connectRate)),
    metric('successRate', 'successRate', percent(o?.successRate)),
    metric('outboundAttempts', 'outboundAttempts', count(o?.attempts)),
  );
  return line;
}

function renderTile(view: QueueView, nowMs: number): HTMLElement {
  const w = windowOf(view, TILE_WINDOW);
  const queueAlerts = knownAlerts().filter((a) => a.queueId === view.queueId);
  const kind = tileKind(w, kinds.get(view.queueId) ?? INBOUND_TILE);
  kinds.set(view.queueId, kind);
  const tile = kind.layout === 'campaign' ? campaignTile(view, w, queueAlerts) : inboundTile(view, w, queueAlerts, kind, nowMs);
  tile.dataset.queue = view.queueId;
  tile.dataset.at = view.at;
  tile.dataset.kind = kind.layout;
  return tile;
}

function inboundTile(view: QueueView, w: WindowView | undefined, queueAlerts: AlertView[], kind: TileKind, nowMs: number): HTMLElement {
  const sl = w?.primarySlValue ?? null;
  const tile = el('article', `tile tile-${tileColour(sl, view.slTarget, queueAlerts)}`);
  const head = el('header', 'tile-head');
  head.append(el('h2', 'queue-name', view.queueId), el('span', 'target', label('target', { pct: percent(view.slTarget) })));
  const slBox = el('div', 'sl');
  slBox.dataset.field = 'sl';
  const formula = isLabelKey(view.primarySl) ? label(view.primarySl) : view.primarySl;
  slBox.append(el('span', 'sl-value', percent(sl)), el('span', 'sl-formula', formula));
  if (kind.firstResponse) slBox.append(firstResponseBox(w));
  const metrics = el('div', 'metrics');
  metrics.append(
    metric('callsWaiting', 'callsWaiting', count(view.live.callsWaiting)),
    metric('longestWait', 'longestWait', mmss(view.live.longestWaitingMs)),
    metric('asa', 'asa', mmss(w?.asaMs)),
    metric('abandonRate', 'abandonRate', percent1(w?.abandonRate)),
    metric('agentsAvailable', 'agentsAvailable', count(view.live.agentsAvailable)),
    metric('agentsOnCall', 'agentsOnCall', count(view.live.agentsOnCall)),
    metric('answerRate', 'answerRate', percent(w?.answerRate)),
  );
  const spark = el('figure', 'spark');
  spark.append(sparkline(series.get(view.queueId) ?? [], view.slTarget, nowMs), el('figcaption', '', label('sparkline')));
  tile.append(head, slBox, metrics);
  if (kind.layout === 'both') {
    tile.classList.add('tile-both');
    tile.append(outboundLine(w));
  }
  tile.append(spark);
  return tile;
}

/**
 * The tenant strip from the tenant-total snapshot: complaints open / overdue (red when any) and the
 * oldest open one's age, complaints per 10 000, CSAT, NPS and both first-contact resolutions.
 */
function renderTenantStrip(): void {
  const box = $('tenant');
  box.hidden = tenantView === undefined;
  box.replaceChildren();
  if (!tenantView) return;
  box.dataset.at = tenantView.at;
  box.append(el('span', 'strip-title', label('stripTitle')));
  for (const item of tenantStrip(tenantView, lang)) {
    const cell = el('div', `strip-item${item.alarm ? ' strip-alarm' : ''}`);
    cell.dataset.field = item.field;
    const value = el('span', 'strip-value', item.value);
    cell.append(value);
    if (item.note) {
      const note = el('span', 'strip-note', label(item.note.key, { n: item.note.n }));
      note.dataset.n = String(item.note.n);
      cell.append(note);
    }
    cell.append(el('span', 'strip-label', label(`strip.${item.field}` as LabelKey)));
    box.append(cell);
  }
}

let alertsRendered = '';

function renderAlerts(): void {
  const box = $('alerts');
  const { shown, more } = bannerContent(knownAlerts());
  // Rebuild only on a change: a lead's click must not land on a button replaced by a KPI frame.
  const signature = JSON.stringify([lang, role, shown, more]);
  if (signature === alertsRendered) return;
  alertsRendered = signature;
  box.replaceChildren();
  box.hidden = shown.length === 0;
  if (shown.length === 0) return;
  const list = el('div', 'alerts-list');
  box.append(el('h2', 'alerts-title', label('alertsTitle')), list);
  for (const a of shown) {
    const severity = a.severity ?? 'warning';
    const row = el('div', `alert alert-${severity}`);
    row.dataset.fingerprint = a.fingerprint;
    const rule = el('span', 'alert-rule', alertName(lang, a));
    rule.title = a.ruleName && a.ruleName !== a.ruleId ? `${a.ruleName} (${a.ruleId})` : a.ruleId;
    row.append(el('span', 'alert-severity', label(`severity_${severity}`)), el('span', 'alert-queue', a.queueId), rule);
    const value = formatAlertValue(a.metric, a.value);
    if (value !== '') row.append(el('span', 'alert-value', value));
    if (a.ackBy) row.append(el('span', 'alert-ack', label('acknowledgedBy', { by: a.ackBy })));
    else if (role === 'lead' || role === 'admin') {
      const button = el('button', 'ack-button', label('acknowledge'));
      button.type = 'button';
      button.addEventListener('click', () => {
        button.disabled = true;
        connection?.send({ type: 'ack', fingerprint: a.fingerprint, id: `ack-${a.fingerprint.slice(0, 16)}` });
      });
      row.append(button);
    }
    list.append(row);
  }
  if (more.n > 0) {
    const rest = el('div', 'alert alert-more', label('moreAlerts', { n: more.n }));
    rest.title = label('moreAlertsDetail', { ...more });
    rest.dataset.more = String(more.n);
    list.append(rest);
  }
}

/**
 * One chip per source of the tenant: its name, the age of its newest event, and a STALE badge when
 * the aggregator judged it silent (docs/wallboard.md "Sources"). Redrawn every second with the age.
 */
function renderSources(rows: readonly SourceRow[]): void {
  const box = $('sources');
  box.hidden = rows.length === 0;
  box.replaceChildren();
  if (rows.length === 0) return;
  box.append(el('span', 'sources-title', label('sourcesTitle')));
  for (const r of rows) {
    const chip = el('span', `source${r.stale ? ' source-stale' : ''}`);
    chip.dataset.source = r.source;
    chip.dataset.stale = String(r.stale);
    if (r.staleReason) chip.dataset.reason = r.staleReason;
    chip.append(el('span', 'source-name', r.source), el('span', 'source-age', r.eventAgeMs === null ? label('sourceNoEvents') : label('sourceNewest', { age: shortAge(r.eventAgeMs) })));
    if (r.stale) {
      const badge = el('span', 'source-badge', label('sourceStale'));
      if (r.staleReason) badge.title = r.staleReason;
      chip.append(badge);
    }
    box.append(chip);
  }
}

/**
 * The data age, coloured by age alone (green, amber over `staleAmber`, red over `staleRed`), and next
 * to it the link state while it is not open, in red when reconnecting: a TV whose gateway went away
 * first says so, then visibly ages.
 */
function renderStatus(nowMs: number): void {
  const node = $('status');
  let newest = 0;
  const all: KpiView[] = tenantView ? [...views.values(), tenantView] : [...views.values()];
  for (const v of all) newest = Math.max(newest, Date.parse(v.at) || 0);
  const ageS = newest > 0 ? Math.max(0, Math.round((nowMs - newest) / 1000)) : undefined;
  const sources = sourceRows(all, nowMs);
  // Snapshots tick whether or not events arrive: with every source silent, "data is 1 s old" would lie.
  const allStale = everySourceStale(sources);
  node.textContent = ageS === undefined ? label('noData') : allStale ? label('allSourcesStale') : label('dataAge', { n: ageS });
  node.dataset.level = allStale ? 'red' : ageLevel(ageS, stale);
  node.dataset.state = status.state;
  node.dataset.sourcesStale = String(allStale);
  if (ageS !== undefined) node.dataset.ageSeconds = String(ageS);
  renderSources(sources);
  const link = $('link');
  link.textContent = status.state === 'reconnecting' ? label('reconnecting') : status.state === 'connecting' ? label('connecting') : '';
  link.dataset.state = status.state;
  link.hidden = status.state === 'open';
}

function render(): void {
  const nowMs = Date.now();
  document.documentElement.lang = lang;
  document.title = label('title');
  $('title').textContent = label('title');
  $('window-label').textContent = label('window');
  $('lang-toggle').textContent = label('langButton');
  renderStatus(nowMs);
  renderAlerts();
  renderTenantStrip();
  const tiles = $('tiles');
  const sorted = [...views.values()].sort((a, b) => a.queueId.localeCompare(b.queueId));
  const { cols, rows, u } = layout(sorted.length, tiles.clientWidth || window.innerWidth, tiles.clientHeight || window.innerHeight * 0.85);
  tiles.style.setProperty('--cols', String(cols));
  tiles.style.setProperty('--rows', String(rows));
  tiles.style.setProperty('--u', `${u.toFixed(1)}px`);
  tiles.replaceChildren(...sorted.map((v) => renderTile(v, nowMs)));
  const message = $('message');
  const text = !token ? label('noToken') : status.state === 'reconnecting' && statusReason?.startsWith('token') ? label('tokenRefused', { code: statusReason }) : sorted.length === 0 ? label('waiting') : '';
  message.textContent = text;
  message.hidden = text === '';
}

$('lang-toggle').addEventListener('click', () => {
  lang = lang === 'en' ? 'zh-CN' : 'en';
  const url = new URL(location.href);
  url.searchParams.set('lang', lang);
  history.replaceState(null, '', url);
  render();
});
window.addEventListener('resize', scheduleRender);
setInterval(() => renderStatus(Date.now()), 1000);

let connection: Connection | undefined;
if (token) {
  connection = new Connection(token, {
    onStatus: (s) => {
      status = s;
      statusReason = s.state === 'reconnecting' ? s.reason : undefined;
      scheduleRender();
    },
    onHello: (info) => {
      tenantId = info.tenantId;
      role = info.role;
      document.body.dataset.role = role;
    },
    onFrame,
  });
  connection.start();
}
render();
