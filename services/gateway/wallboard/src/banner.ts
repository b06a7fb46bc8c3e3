import type { AlertView, Severity } from './types.js';

/** How many alerts the banner lists at most; the rest are summed up in one "+K more" line. */
export const BANNER_MAX_ROWS = 6;

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

export interface BannerContent {
  /** The alerts listed, most severe first. */
  shown: AlertView[];
  /** The firing alerts left out, by severity (an alert without one counts as a warning). */
  more: { n: number; critical: number; warning: number; info: number };
}

/**
 * What the alert banner lists: firing alerts only, critical before warning before info, then the
 * ones nobody acknowledged yet, then by queue and rule; at most `maxRows`, so however many alerts
 * fire the banner keeps a fixed height and never pushes the tiles off the screen (issue 8 item 14).
 */
export function bannerContent(alerts: Iterable<AlertView>, maxRows = BANNER_MAX_ROWS): BannerContent {
  const firing = [...alerts]
    .filter((a) => a.state === 'firing')
    .sort(
      (a, b) =>
        SEVERITY_RANK[a.severity ?? 'warning'] - SEVERITY_RANK[b.severity ?? 'warning'] ||
        Number(a.ackBy !== null) - Number(b.ackBy !== null) ||
        a.queueId.localeCompare(b.queueId) ||
        a.ruleId.localeCompare(b.ruleId) ||
        a.fingerprint.localeCompare(b.fingerprint),
    );
  const shown = firing.slice(0, Math.max(0, maxRows));
  const more = { n: 0, critical: 0, warning: 0, info: 0 };
  for (const a of firing.slice(shown.length)) {
    more.n += 1;
    more[a.severity ?? 'warning'] += 1;
  }
  return { shown, more };
}
