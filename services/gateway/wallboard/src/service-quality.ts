import { count, NONE, npsText, per10k, percent } from './format.js';
import type { Language } from './i18n.js';
import type { KpiView, OutboundView, WindowView } from './types.js';

/**
 * What a queue tile shows, from the traffic of its window (issue 11 item 5, docs/wallboard.md "Tiles"):
 * - `inbound`: the SL tile of before;
 * - `campaign`: outbound attempts and no inbound traffic: 外呼接通率 and 外呼成功率 instead of SL;
 * - `both`: the SL tile with an outbound line under it.
 * `firstResponse` adds 首次响应 beside the SL.
 */
export interface TileKind {
  layout: 'inbound' | 'campaign' | 'both';
  firstResponse: boolean;
}

export const INBOUND_TILE: TileKind = { layout: 'inbound', firstResponse: false };

function outboundActivity(o: OutboundView | undefined): number {
  if (!o) return 0;
  const f = o.failed;
  return o.attempts + o.connected + o.succeeded + o.abandoned + f.no_answer + f.busy + f.invalid_number + f.rejected + f.other;
}

/**
 * The tile's kind from its window. A window with no inbound and no outbound traffic keeps the kind
 * the queue showed last (`previous`), so a campaign tile stays a campaign tile through a quiet
 * quarter-hour instead of turning into an empty SL tile; first response, once seen, stays shown.
 *
 * @param w - the tile's window (rolling-15m); undefined before the first snapshot that has it
 * @param previous - what the same queue showed last, if anything
 */
export function tileKind(w: WindowView | undefined, previous: TileKind = INBOUND_TILE): TileKind {
  const c = w?.counts;
  const inbound = c ? c.offered + c.answered + c.abandoned + (c.flowedOut ?? 0) > 0 : false;
  const outbound = outboundActivity(w?.outbound) > 0 || (c?.outboundAttempts ?? 0) > 0;
  const layout = inbound && outbound ? 'both' : outbound ? 'campaign' : inbound ? 'inbound' : previous.layout;
  return { layout, firstResponse: (c?.firstResponses ?? 0) > 0 || previous.firstResponse };
}

/** The outbound failure reasons in the order the tile lists them (DESIGN §2 `call.flowed_out` outbound). */
export const FAILURE_REASONS = ['no_answer', 'busy', 'invalid_number', 'rejected', 'other'] as const;

const AGE_UNITS: Record<Language, { d: string; h: string; m: string }> = {
  en: { d: ' d', h: ' h', m: ' min' },
  'zh-CN': { d: '天', h: '小时', m: '分钟' },
};

/** A complaint's age, in the page's language, to the minute: `42 min`, `5 h 07 min`, `2 d 5 h` (`42分钟`, `5小时07分钟`, `2天5小时`). */
export function complaintAge(ms: number | null | undefined, lang: Language): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return NONE;
  const u = AGE_UNITS[lang];
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes}${u.m}`;
  const hours = Math.floor(minutes / 60);
  const gap = lang === 'en' ? ' ' : '';
  if (hours < 24) return `${hours}${u.h}${gap}${String(minutes % 60).padStart(2, '0')}${u.m}`;
  return `${Math.floor(hours / 24)}${u.d}${gap}${hours % 24}${u.h}`;
}

/** One figure of the tenant strip; `alarm` paints it red (overdue complaints). */
export interface StripItem {
  field: string;
  value: string;
  /** A second, smaller value beside the first ("pending 12"). */
  note?: { key: 'fcrPending'; n: number };
  alarm: boolean;
}

/** The window the tenant strip's windowed figures come from (complaints per 10 000 "today"). */
export const STRIP_WINDOW = 'today';

/**
 * The tenant strip (issue 11 item 5) from the tenant-total snapshot: live complaint state, today's
 * complaints per 10 000 contacts, the month-to-date per 10 000 subscribers (left out when the tenant
 * has no subscriber count), CSAT, NPS, and both first-contact resolutions. Every ratio that is null
 * shows as a dash, never 0 %.
 */
export function tenantStrip(view: KpiView, lang: Language): StripItem[] {
  const w = view.windows.find((x) => x.name === STRIP_WINDOW);
  const live = view.live;
  const overdue = live.complaintsOverdue ?? 0;
  const items: StripItem[] = [
    { field: 'complaintsOpen', value: count(live.complaintsOpen), alarm: false },
    { field: 'complaintsOverdue', value: count(live.complaintsOverdue), alarm: overdue > 0 },
    { field: 'oldestOpenComplaint', value: complaintAge(live.oldestOpenComplaintAgeMs, lang), alarm: false },
    { field: 'complaintsPer10k', value: per10k(w?.complaintsPer10k), alarm: false },
  ];
  const perSubscribers = view.monthToDate?.complaintsPer10kSubscribers;
  if (perSubscribers !== null && perSubscribers !== undefined) items.push({ field: 'complaintsPer10kSubscribers', value: per10k(perSubscribers), alarm: false });
  items.push(
    { field: 'csatRate', value: percent(w?.csatRate), alarm: false },
    { field: 'nps', value: npsText(w?.nps), alarm: false },
    { field: 'fcrRepeatRate', value: percent(w?.fcrRepeatRate), note: { key: 'fcrPending', n: w?.counts.fcrPending ?? 0 }, alarm: false },
    { field: 'fcrRate', value: percent(w?.fcrRate), alarm: false },
  );
  return items;
}
