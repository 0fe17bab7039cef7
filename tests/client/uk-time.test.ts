import { describe, expect, it } from 'vitest';
import {
  formatUkDateTime,
  formatUkTimeOnDate,
  ukDateKey,
  ukEndOfDay,
  ukHourOfWeek,
  ukIsoWithOffset,
  ukMonthKey,
  ukOffsetMinutes,
  ukStartOfDay,
  ukSummerTime,
} from '../../shared/time';

const at = (iso: string) => Date.parse(iso);

/** The platform's own Europe/London offset in minutes (from the tz database), to check the rule against. */
function platformOffset(ms: number): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', timeZoneName: 'longOffset' })
    .formatToParts(ms)
    .find((p) => p.type === 'timeZoneName')!.value;
  const m = /GMT([+-])(\d\d):(\d\d)/.exec(parts);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

describe('UK local time', () => {
  it('agrees with the time zone database either side of every clock change from 1996 to 2060', () => {
    let checked = 0;
    for (let year = 1996; year <= 2060; year++) {
      for (const change of ukSummerTime(year)) {
        for (const t of [change - 1, change, change + 1, change - 3_600_000, change + 3_600_000]) {
          expect(ukOffsetMinutes(t), new Date(t).toISOString()).toBe(platformOffset(t));
          checked++;
        }
      }
    }
    expect(checked).toBe(65 * 2 * 5);
  });

  it('springs forward at 01:00 UTC on the last Sunday of March 2026 and falls back on 25 October', () => {
    expect(ukIsoWithOffset(at('2026-03-29T00:59:59Z'))).toBe('2026-03-29T00:59:59+00:00');
    expect(ukIsoWithOffset(at('2026-03-29T01:00:00Z'))).toBe('2026-03-29T02:00:00+01:00');
    expect(ukIsoWithOffset(at('2026-10-25T00:59:59Z'))).toBe('2026-10-25T01:59:59+01:00');
    expect(ukIsoWithOffset(at('2026-10-25T01:00:00Z'))).toBe('2026-10-25T01:00:00+00:00');
  });

  it('puts a report seen at 23:30 UTC on a summer evening on the next UK day and month', () => {
    expect(ukDateKey(at('2026-06-30T23:30:00Z'))).toBe('2026-07-01');
    expect(ukMonthKey(at('2026-06-30T23:30:00Z'))).toBe('2026-07');
    expect(ukDateKey(at('2026-12-31T23:30:00Z'))).toBe('2026-12-31');
  });

  it('counts hours of the week in local time, Monday 00:00 first, on both sides of each change', () => {
    // Monday 2026-03-30 00:30 BST is Sunday 23:30 UTC.
    expect(ukHourOfWeek(at('2026-03-29T23:30:00Z'))).toBe(0);
    // Sunday 2026-03-29 00:30 GMT (before the change) is hour 6 × 24 + 0.
    expect(ukHourOfWeek(at('2026-03-29T00:30:00Z'))).toBe(144);
    // The hour after the spring change is 02:00 local: 01:00 local never happens that day.
    expect(ukHourOfWeek(at('2026-03-29T01:30:00Z'))).toBe(146);
    // The autumn 01:00–01:59 local hour happens twice; both land in hour 1 of Sunday.
    expect(ukHourOfWeek(at('2026-10-25T00:30:00Z'))).toBe(145);
    expect(ukHourOfWeek(at('2026-10-25T01:30:00Z'))).toBe(145);
  });

  it('finds the UTC instants of UK midnight, including on the days the clocks change', () => {
    expect(new Date(ukStartOfDay('2026-07-01')).toISOString()).toBe('2026-06-30T23:00:00.000Z');
    expect(new Date(ukStartOfDay('2026-12-01')).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(new Date(ukStartOfDay('2026-03-29')).toISOString()).toBe('2026-03-29T00:00:00.000Z');
    expect(new Date(ukStartOfDay('2026-03-30')).toISOString()).toBe('2026-03-29T23:00:00.000Z');
    expect(new Date(ukStartOfDay('2026-10-25')).toISOString()).toBe('2026-10-24T23:00:00.000Z');
    expect(new Date(ukEndOfDay('2026-10-25')).toISOString()).toBe('2026-10-25T23:59:59.999Z');
    expect(new Date(ukEndOfDay('2026-03-29')).toISOString()).toBe('2026-03-29T22:59:59.999Z');
  });

  it('writes dates and times for people with GMT or BST said', () => {
    expect(formatUkDateTime('2026-07-01T13:05:00Z')).toBe('1 Jul 2026, 14:05 BST');
    expect(formatUkDateTime(at('2026-12-01T09:30:00Z'))).toBe('1 Dec 2026, 09:30 GMT');
    expect(formatUkTimeOnDate(new Date('2026-10-25T00:30:00Z'))).toBe('01:30 BST on 25 October 2026');
    expect(formatUkTimeOnDate(new Date('2026-10-25T01:30:00Z'))).toBe('01:30 GMT on 25 October 2026');
  });
});
