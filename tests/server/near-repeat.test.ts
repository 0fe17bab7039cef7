import { describe, expect, it } from 'vitest';
import { Random } from '../../server/demo/random';
import { type KnoxOptions, knoxTest } from '../../server/map/analytics/knox';

const DAY = 86_400_000;
const OPTS: KnoxOptions = {
  distanceM: 200,
  distanceBands: 4,
  bandMs: 7 * DAY,
  timeBands: 4,
  permutations: 999,
  maxPairs: 1_000_000,
  maxWork: 50_000_000,
  maxMs: 10_000,
};

/** `n` reports uniformly over a 10 km square and a year. */
function randomEvents(rnd: Random, n: number) {
  const xs = Float64Array.from({ length: n }, () => rnd.next() * 10_000);
  const ys = Float64Array.from({ length: n }, () => rnd.next() * 10_000);
  const ts = Float64Array.from({ length: n }, () => rnd.next() * 365 * DAY);
  return { xs, ys, ts };
}

/**
 * Near repeats planted on top: `seeds` of the random reports each get `followers` more reports within 150 m
 * and 5 days after them (a burglar returning to the street), the pattern Knox is meant to find.
 */
function withNearRepeats(rnd: Random, n: number, seeds: number, followers: number) {
  const base = randomEvents(rnd, n);
  const xs = Array.from(base.xs);
  const ys = Array.from(base.ys);
  const ts = Array.from(base.ts);
  for (let s = 0; s < seeds; s++) {
    for (let f = 0; f < followers; f++) {
      const angle = rnd.next() * 2 * Math.PI;
      const r = 10 + rnd.next() * 140;
      xs.push(base.xs[s]! + r * Math.cos(angle));
      ys.push(base.ys[s]! + r * Math.sin(angle));
      ts.push(base.ts[s]! + rnd.next() * 5 * DAY);
    }
  }
  return { xs, ys, ts, n: xs.length };
}

describe('Knox near-repeat test', () => {
  it('finds planted near repeats in the first distance and time band, and nowhere far away', () => {
    // 600 random reports, 60 of which are followed by 2 reports within 150 m and 5 days.
    for (const seed of [1, 2, 3]) {
      const { xs, ys, ts, n } = withNearRepeats(new Random(seed), 600, 60, 2);
      const res = knoxTest(xs, ys, ts, n, { ...OPTS, seed })!;
      const near = 1 * res.cols + 0; // within 200 m, within 7 days
      expect(res.observed[near]! / res.expected[near]!).toBeGreaterThan(2);
      expect(res.q[near]!).toBeLessThanOrEqual(0.05);
      // Far bands (600–800 m, 21–28 days) hold nothing special.
      const far = 4 * res.cols + 3;
      expect(res.q[far]!).toBeGreaterThan(0.05);
      expect(res.permutations).toBe(999);
    }
  });

  it('finds no band with more pairs than chance in random data (20 replicates)', () => {
    const rnd = new Random(9);
    let flagged = 0;
    for (let r = 0; r < 20; r++) {
      const { xs, ys, ts } = randomEvents(rnd, 600);
      const res = knoxTest(xs, ys, ts, 600, { ...OPTS, seed: r + 1 })!;
      if (res.q.some((q, k) => q <= 0.05 && res.observed[k]! > res.expected[k]!)) flagged++;
    }
    expect(flagged).toBeLessThanOrEqual(2);
  });

  it('counts every pair once, in its band, the same whatever the order of the reports', () => {
    // Three reports: A and B 100 m and 1 day apart, C at A's place 10 days later.
    const res = knoxTest([0, 100, 0], [0, 0, 0], [0, DAY, 10 * DAY], 3, { ...OPTS, permutations: 19 })!;
    const at = (row: number, col: number) => res.observed[row * res.cols + col];
    expect(at(1, 0)).toBe(1); // A–B: within 200 m, within 7 days
    expect(at(0, 1)).toBe(1); // A–C: same place, 7–14 days
    expect(at(1, 1)).toBe(1); // B–C: within 200 m, 7–14 days (9 days)
    expect(res.observed.reduce((s, v) => s + v, 0)).toBe(3);
    const flipped = knoxTest([0, 0, 100], [0, 0, 0], [10 * DAY, 0, DAY], 3, { ...OPTS, permutations: 19 })!;
    expect(Array.from(flipped.observed)).toEqual(Array.from(res.observed));
  });

  it('stops at the pair cap and at the work budget, and says so', () => {
    const { xs, ys, ts } = randomEvents(new Random(4), 2000);
    expect(knoxTest(xs, ys, ts, 2000, { ...OPTS, maxPairs: 100 })).toBeNull();
    const res = knoxTest(xs, ys, ts, 2000, { ...OPTS, permutations: 999, maxWork: 100_000 })!;
    expect(res.stopped).toBe('work');
    expect(res.permutations).toBeLessThan(999);
    expect(res.permutations).toBeGreaterThanOrEqual(19);
  });
});
