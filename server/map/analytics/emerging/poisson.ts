/** Exact Poisson tails, tabulated once per mean so a cube of millions of tests costs one lookup each. */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const y = x - 1;
  let a = LANCZOS[0]!;
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Two-sided exact p-values of a Poisson(λ) count k, for k = 0..maxK: min(1, 2·min(P(X ≤ k), P(X ≥ k))).
 * Valid however small λ is (a sparse cube), unlike the normal approximation behind a Gi* z-score.
 */
export function poissonTwoSidedTable(lambda: number, maxK: number): Float64Array {
  const out = new Float64Array(maxK + 1);
  if (lambda <= 0) {
    out.fill(1);
    return out;
  }
  // Probabilities beyond `top` are below 1e-300 of the mass; summing there changes nothing.
  const top = Math.max(maxK, Math.ceil(lambda + 40 * Math.sqrt(lambda) + 40));
  const pmf = new Float64Array(top + 1);
  const ll = Math.log(lambda);
  for (let k = 0; k <= top; k++) pmf[k] = Math.exp(-lambda + k * ll - lnGamma(k + 1));
  const upper = new Float64Array(top + 2);
  for (let k = top; k >= 0; k--) upper[k] = upper[k + 1]! + pmf[k]!;
  let lower = 0;
  for (let k = 0; k <= maxK; k++) {
    lower += pmf[k]!;
    out[k] = Math.min(1, 2 * Math.min(lower, upper[k]!));
  }
  return out;
}
