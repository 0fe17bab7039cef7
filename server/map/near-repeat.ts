import { M_PER_DEG, metresPerDegLng } from '../../shared/geo';
import type { NearRepeatCell, NearRepeatTable } from '../../shared/schemas/near-repeat';
import { knoxTest } from './analytics/knox';
import type { ReportIndex } from './report-index';

const DAY_MS = 86_400_000;

/** Bounds of one Knox request: reports analysed (the most recent), close pairs, pair visits, wall time. */
export const KNOX_LIMITS = { maxReports: 5000, maxPairs: 2_000_000, maxWork: 60_000_000, maxMs: 1500 };

export interface NearRepeatOptions {
  distanceM: number;
  distanceBands: number;
  days: number;
  timeBands: number;
  permutations: number;
}

const fmt = (x: number) => x.toLocaleString('en-GB');

function distanceLabel(row: number, d: number): string {
  if (row === 0) return 'at the same place';
  if (row === 1) return `within ${fmt(d)} m`;
  return `${fmt((row - 1) * d)}–${fmt(row * d)} m away`;
}

function timeLabel(col: number, days: number): string {
  if (col === 0) return `within ${days} day${days === 1 ? '' : 's'}`;
  return `${col * days}–${(col + 1) * days} days apart`;
}

function words(cell: Omit<NearRepeatCell, 'words'>): string {
  const where = `${cell.distance.label[0]!.toUpperCase()}${cell.distance.label.slice(1)} and ${cell.time.label} of a report`;
  if (cell.ratio === null) return `${where}: no pairs expected, ${cell.observed} seen`;
  const r = cell.ratio >= 10 ? Math.round(cell.ratio) : Math.round(cell.ratio * 10) / 10;
  const how = cell.ratio >= 1 ? `${r}× more reports than chance` : `${r}× the reports expected by chance (fewer)`;
  const p = cell.p < 0.001 ? 'p < 0.001' : `p = ${cell.p.toFixed(3)}`;
  return `${where}: ${how} (${cell.observed} pairs seen, ${Math.round(cell.expected * 10) / 10} expected, ${p})`;
}

/**
 * Knox near-repeat table for the given slots: the most recent `maxReports` reports, halved again while
 * their close pairs exceed `maxPairs`, with notices saying so.
 */
export function nearRepeatTable(ix: ReportIndex, slots: Int32Array, o: NearRepeatOptions, limits = KNOX_LIMITS): NearRepeatTable {
  const notices: string[] = [];
  let pool = Array.from(slots).sort((a, b) => ix.fromMs[b]! - ix.fromMs[a]! || a - b);
  if (pool.length > limits.maxReports) {
    notices.push(`Only the ${fmt(limits.maxReports)} most recent of ${fmt(pool.length)} matching reports were analysed.`);
    pool = pool.slice(0, limits.maxReports);
  }
  const opts = {
    distanceM: o.distanceM,
    distanceBands: o.distanceBands,
    bandMs: o.days * DAY_MS,
    timeBands: o.timeBands,
    permutations: o.permutations,
    maxPairs: limits.maxPairs,
    maxWork: limits.maxWork,
    maxMs: limits.maxMs,
  };
  let result = null;
  for (;;) {
    const n = pool.length;
    const lat0 = n ? ix.lat[pool[0]!]! : 0;
    const kx = metresPerDegLng(lat0);
    const xs = new Float64Array(n);
    const ys = new Float64Array(n);
    const ts = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const i = pool[k]!;
      xs[k] = ix.lng[i]! * kx;
      ys[k] = ix.lat[i]! * M_PER_DEG;
      ts[k] = ix.fromMs[i]!;
    }
    result = knoxTest(xs, ys, ts, n, opts);
    if (result) break;
    const half = Math.floor(n / 2);
    notices.push(
      `${fmt(n)} reports made more than ${fmt(limits.maxPairs)} close pairs; only the ${fmt(half)} most recent were analysed.`,
    );
    pool = pool.slice(0, half);
  }
  if (result.stopped === 'work')
    notices.push(`${result.permutations} permutations of the ${o.permutations} asked for fitted in the work budget.`);
  if (result.stopped === 'time')
    notices.push(`The time limit stopped the permutations at ${result.permutations} of ${o.permutations}.`);
  const cells: NearRepeatCell[] = [];
  for (let r = 0; r < result.rows; r++) {
    for (let c = 0; c < result.cols; c++) {
      const k = r * result.cols + c;
      const expected = result.expected[k]!;
      const observed = result.observed[k]!;
      const ratio = expected > 0 ? Math.round((observed / expected) * 100) / 100 : null;
      const base = {
        distance: {
          fromM: r === 0 ? 0 : r === 1 ? 0 : (r - 1) * o.distanceM,
          toM: r === 0 ? 1 : r * o.distanceM,
          label: distanceLabel(r, o.distanceM),
        },
        time: { fromDays: c * o.days, toDays: (c + 1) * o.days, label: timeLabel(c, o.days) },
        observed,
        expected: Math.round(expected * 1000) / 1000,
        ratio,
        p: Math.round(result.p[k]! * 10000) / 10000,
        q: Math.round(result.q[k]! * 10000) / 10000,
        significant: result.q[k]! <= 0.05 && ratio !== null && ratio > 1,
      };
      cells.push({ ...base, words: words(base) });
    }
  }
  const found = cells.filter((x) => x.significant);
  const summary = found.length
    ? `More reports than chance: ${found.map((x) => x.words.split(':')[0]!.toLowerCase()).join('; ')}.`
    : `No band has more reports than chance (${cells.length} bands tested, false discovery rate 5 %).`;
  return {
    cells,
    distanceBands: o.distanceBands,
    timeBands: o.timeBands,
    summary,
    method: 'Knox test, Monte Carlo permutations of the times',
    reports: slots.length,
    analysed: pool.length,
    pairs: result.pairs,
    permutations: result.permutations,
    permutationsAsked: o.permutations,
    limits: { capped: notices.length > 0, notices, maxReports: limits.maxReports, maxPairs: limits.maxPairs },
  };
}
