/** Small statistics helpers: normal distribution tails and Benjamini–Hochberg adjustment. */

/** Complementary error function (Numerical Recipes erfcc; fractional error < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF. */
export const normalCdf = (z: number): number => 0.5 * erfc(-z / Math.SQRT2);

/** Two-sided p-value of a z-score. */
export const twoSidedP = (z: number): number => Math.min(1, erfc(Math.abs(z) / Math.SQRT2));

/**
 * Benjamini–Hochberg adjusted p-values (q-values) for the tests whose raw p is ≤ `upTo`, out of `m`
 * tests in all. Tests above `upTo` cannot have an adjusted p below `upTo`, so they are not sorted.
 * Returns a map from test index to adjusted p.
 */
export function bhAdjust(p: ArrayLike<number>, m: number, upTo = 1): Map<number, number> {
  const cand: number[] = [];
  for (let i = 0; i < p.length; i++) if (p[i]! <= upTo) cand.push(i);
  cand.sort((a, b) => p[a]! - p[b]!);
  const out = new Map<number, number>();
  let running = 1;
  for (let k = cand.length - 1; k >= 0; k--) {
    const i = cand[k]!;
    running = Math.min(running, (p[i]! * m) / (k + 1));
    out.set(i, running);
  }
  return out;
}
