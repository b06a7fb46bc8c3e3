/** Display formats, shared by every tile; `–` stands for "no value". */
export const NONE = '–';

/** 0.905 → "91%" (service level, answer rate). */
export function percent(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? NONE : `${Math.round(value * 100)}%`;
}

/** 0.0512 → "5.1%" (abandon rate: small numbers matter). */
export function percent1(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? NONE : `${(Math.round(value * 1000) / 10).toFixed(1)}%`;
}

/** 41_000 → "0:41", 3_725_000 → "62:05". */
export function mmss(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return NONE;
  const total = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

export function count(value: number | null | undefined): string {
  return value === null || value === undefined ? NONE : String(value);
}

/** Complaints per 10 000: two decimals under 10 (per subscribers these are small), one above. */
export function per10k(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NONE;
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

/** NPS, -100..100, signed and whole: `+32`, `-5`, `0`. */
export function npsText(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NONE;
  const n = Math.round(value);
  return n > 0 ? `+${n}` : String(n);
}
