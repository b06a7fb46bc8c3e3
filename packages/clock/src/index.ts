export { addLocalDays, type LocalDate } from './local-date.js';
export { isValidTimeZone, localHourOfDay, zonedParts, zonedTimeToEpoch, zoneOffsetMs, type ZonedParts } from './time-zone.js';
