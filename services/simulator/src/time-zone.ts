/**
 * The simulator's local-time arithmetic is the one shared with "today" in @callboard/windows, so arrival
 * profiles, shifts and business days agree on every DST day (issue 8, item 6).
 */
export { isValidTimeZone, localHourOfDay, zonedParts, zonedTimeToEpoch, zoneOffsetMs, type ZonedParts } from '@callboard/clock';
