/** A calendar date with no zone attached; `month` is 1–12. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/**
 * The calendar date `days` after `date`. Calendar arithmetic runs on Date.UTC, where every day is 24 h,
 * so a DST change in some zone can neither skip nor repeat a date (issue 8, item 6).
 */
export function addLocalDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
