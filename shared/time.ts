/**
 * UK local time (Europe/London: GMT in winter, BST = UTC+1 in summer) for everything people read:
 * the workspace, emails, exports and the hour × weekday chart.
 *
 * Since 1996 UK summer time runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the
 * last Sunday of October (Summer Time Order 2002). The offset is computed from that rule so hot
 * loops (a million export rows, the hour × weekday matrix) need no Intl call; the tests check the
 * rule against the platform's Europe/London time zone data for every year from 1996 to 2060.
 */

export const UK_TIME_ZONE = 'Europe/London';

const HOUR = 3_600_000;

/** 01:00 UTC on the last Sunday of `month` (0-based) in `year`. */
function lastSundayAtOneUtc(year: number, month: number): number {
  const lastDay = new Date(Date.UTC(year, month + 1, 0));
  return Date.UTC(year, month, lastDay.getUTCDate() - lastDay.getUTCDay(), 1);
}

const summerByYear = new Map<number, readonly [number, number]>();

/** The UTC instants summer time starts and ends in `year`. */
export function ukSummerTime(year: number): readonly [number, number] {
  let span = summerByYear.get(year);
  if (!span) {
    span = [lastSundayAtOneUtc(year, 2), lastSundayAtOneUtc(year, 9)] as const;
    summerByYear.set(year, span);
  }
  return span;
}

/** Minutes UK local time is ahead of UTC at the instant `ms`: 0 (GMT) or 60 (BST). */
export function ukOffsetMinutes(ms: number): 0 | 60 {
  const [start, end] = ukSummerTime(new Date(ms).getUTCFullYear());
  return ms >= start && ms < end ? 60 : 0;
}

/** The UK wall-clock reading at `ms`, expressed as if it were UTC (read it with getUTC* only). */
export function ukWallClock(ms: number): Date {
  return new Date(ms + ukOffsetMinutes(ms) * 60_000);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** "YYYY-MM-DD" of the UK calendar day at `ms`. */
export function ukDateKey(ms: number): string {
  return ukWallClock(ms).toISOString().slice(0, 10);
}

/** "YYYY-MM" of the UK calendar month at `ms` (police.uk's Month column). */
export function ukMonthKey(ms: number): string {
  return ukWallClock(ms).toISOString().slice(0, 7);
}

/** ISO 8601 with the UK offset, to the second: "2026-07-01T14:05:00+01:00", "2026-12-01T09:30:00+00:00". */
export function ukIsoWithOffset(ms: number): string {
  const offset = ukOffsetMinutes(ms);
  return `${new Date(ms + offset * 60_000).toISOString().slice(0, 19)}+${pad(offset / 60)}:00`;
}

/** Hour of the week in UK local time, Monday 00:00–00:59 = 0 … Sunday 23:00–23:59 = 167. */
export function ukHourOfWeek(ms: number): number {
  const local = ms + ukOffsetMinutes(ms) * 60_000;
  const hour = Math.floor(local / HOUR);
  const day = Math.floor(hour / 24);
  const weekday = (((day + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday; Monday = 0
  return weekday * 24 + (((hour % 24) + 24) % 24);
}

/** The UTC instant of 00:00 UK local time on the calendar day "YYYY-MM-DD". */
export function ukStartOfDay(dateKey: string): number {
  const [y, m, d] = dateKey.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d);
  // Midnight is never inside a clock change (they happen at 01:00 UTC), so one correction suffices.
  return guess - ukOffsetMinutes(guess - HOUR) * 60_000;
}

/** The last millisecond of the UK calendar day "YYYY-MM-DD". */
export function ukEndOfDay(dateKey: string): number {
  const [y, m, d] = dateKey.split('-').map(Number) as [number, number, number];
  return ukStartOfDay(new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10)) - 1;
}

type When = number | string | Date;
const toMs = (t: When) => (typeof t === 'number' ? t : new Date(t).getTime());

const dateTimeFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: UK_TIME_ZONE,
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
const dateFormat = new Intl.DateTimeFormat('en-GB', { timeZone: UK_TIME_ZONE, day: 'numeric', month: 'short', year: 'numeric' });
const longDateFormat = new Intl.DateTimeFormat('en-GB', { timeZone: UK_TIME_ZONE, day: 'numeric', month: 'long', year: 'numeric' });
const zoneName = (ms: number) => (ukOffsetMinutes(ms) === 60 ? 'BST' : 'GMT');

/** "29 Mar 2026, 02:30 BST": a date and time as people in the UK read it, with GMT/BST said. */
export function formatUkDateTime(t: When): string {
  const ms = toMs(t);
  return `${dateTimeFormat.format(ms)} ${zoneName(ms)}`;
}

/** "29 Mar 2026" (the UK calendar day). */
export function formatUkDate(t: When): string {
  return dateFormat.format(toMs(t));
}

/** "14:05 BST on 1 July 2026", for emails. */
export function formatUkTimeOnDate(t: When): string {
  const ms = toMs(t);
  const wall = ukWallClock(ms).toISOString().slice(11, 16);
  return `${wall} ${zoneName(ms)} on ${longDateFormat.format(ms)}`;
}

/** "YYYY-MM-DDTHH:mm" of the UK wall clock at `ms`, for datetime-local inputs (which are read as UK time). */
export function ukInputValue(ms: number): string {
  return ukWallClock(ms).toISOString().slice(0, 16);
}

/**
 * The instant a UK wall-clock reading "YYYY-MM-DDTHH:mm" names, or NaN. In the hour the clocks go back the
 * earlier (BST) reading is taken; a reading in the hour that is skipped in spring is read as GMT.
 */
export function ukInputToMs(value: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d))?$/.exec(value);
  if (!m) return Number.NaN;
  const asUtc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
  const inSummer = asUtc - 3_600_000;
  return ukOffsetMinutes(inSummer) === 60 ? inSummer : asUtc;
}
