import type { AlertView } from './types.js';

export type TileColour = 'green' | 'amber' | 'red' | 'none';

/** Below this share of the target a tile turns red (DESIGN §7 "colours from the alert thresholds"). */
export const RED_FRACTION = 0.6;

/**
 * Green at or over the queue's SL target, amber below it, red below 60 % of it; a firing warning
 * alert of the queue makes it at least amber, a firing critical alert makes it red.
 */
export function tileColour(sl: number | null, slTarget: number, alerts: readonly AlertView[]): TileColour {
  const firing = alerts.filter((a) => a.state === 'firing');
  if (firing.some((a) => a.severity === 'critical')) return 'red';
  let colour: TileColour = sl === null ? 'none' : sl >= slTarget ? 'green' : sl < RED_FRACTION * slTarget ? 'red' : 'amber';
  if (firing.length > 0 && (colour === 'green' || colour === 'none')) colour = 'amber';
  return colour;
}
