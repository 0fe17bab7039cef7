/** Exact Poisson tails, tabulated once per mean so a cube of millions of tests costs one lookup each. */
import { logGamma } from '../tails';

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
  for (let k = 0; k <= top; k++) pmf[k] = Math.exp(-lambda + k * ll - logGamma(k + 1));
  const upper = new Float64Array(top + 2);
  for (let k = top; k >= 0; k--) upper[k] = upper[k + 1]! + pmf[k]!;
  let lower = 0;
  for (let k = 0; k <= maxK; k++) {
    lower += pmf[k]!;
    out[k] = Math.min(1, 2 * Math.min(lower, upper[k]!));
  }
  return out;
}
