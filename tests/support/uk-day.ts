import { expect } from 'vitest';
import { ukDateKey } from '../../shared/time';

/**
 * Matches the UK calendar day (Europe/London, as the server dates things) of any moment from `since` until now: one
 * day, or two when London's midnight fell in between. Not `new Date().toISOString()`, which is the UTC day and
 * differs from London's between midnight and 1 am in summer.
 */
export function ukDaySince(since: number): unknown {
  const days = new Set([ukDateKey(since), ukDateKey(Date.now())]);
  return expect.toBeOneOf([...days]);
}
