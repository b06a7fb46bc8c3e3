/** A tenant's clock for intervals and "today" (DESIGN §4). */
export interface TenantClock {
  timeZone: string;
  dayStartHour: number;
}
