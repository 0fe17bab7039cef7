import { twoSidedP } from '../stats';

export interface Trend {
  /** Mann-Kendall S statistic. */
  s: number;
  /** Kendall's tau-a (S over the number of pairs), in [-1, 1]. */
  tau: number;
  /** Normal approximation with continuity correction and the tie-corrected variance. */
  z: number;
  /** Two-sided p-value. */
  p: number;
}

/**
 * Mann-Kendall test for a monotonic trend in `x` (Mann 1945, Kendall 1975): S = Σ_{i<j} sign(x_j − x_i),
 * Var(S) = [n(n−1)(2n+5) − Σ t(t−1)(2t+5)] / 18 over groups of tied values, Z = (S ∓ 1)/√Var(S).
 */
export function mannKendall(x: ArrayLike<number>): Trend {
  const n = x.length;
  if (n < 3) return { s: 0, tau: 0, z: 0, p: 1 };
  let s = 0;
  for (let i = 0; i < n - 1; i++) {
    const xi = x[i]!;
    for (let j = i + 1; j < n; j++) {
      const d = x[j]! - xi;
      if (d > 0) s++;
      else if (d < 0) s--;
    }
  }
  const sorted = Array.from(x).sort((a, b) => a - b);
  let ties = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && sorted[j] === sorted[i]) j++;
    const t = j - i;
    if (t > 1) ties += t * (t - 1) * (2 * t + 5);
    i = j;
  }
  const variance = (n * (n - 1) * (2 * n + 5) - ties) / 18;
  const z = variance > 0 ? (s > 0 ? (s - 1) / Math.sqrt(variance) : s < 0 ? (s + 1) / Math.sqrt(variance) : 0) : 0;
  return { s, tau: s / ((n * (n - 1)) / 2), z, p: variance > 0 ? twoSidedP(z) : 1 };
}
