/**
 * Exact tails of count distributions (binomial, Poisson, negative binomial) and Benjamini–Hochberg,
 * for tests that must hold on sparse counts where a normal approximation does not.
 * Incomplete beta and gamma functions after Numerical Recipes (continued fractions, relative error ~1e-12).
 */
import { bhAdjust } from './stats';

const EPS = 1e-14;
const FPMIN = 1e-300;
const MAX_IT = 500;

const LANCZOS = [
  57.15623566586292, -59.59796035547549, 14.136097974741746, -0.4919138160976202, 3.399464998481189e-5, 4.652362892704858e-5,
  -9.837447530487956e-5, 0.0001580887032249125, -0.00021026444172410488, 0.00021743961811521265, -0.0001643181065367639,
  8.441822398385275e-5, -2.6190838401581408e-5, 3.6899182659531625e-6,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 671/128; relative error < 1e-14). */
export function logGamma(x: number): number {
  let y = x;
  const tmp = x + 5.2421875;
  const t = (x + 0.5) * Math.log(tmp) - tmp;
  let ser = 0.9999999999999971;
  for (const c of LANCZOS) ser += c / ++y;
  return t + Math.log((2.5066282746310007 * ser) / x);
}

function betaCf(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_IT; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  const front = Math.exp(lnFront);
  if (x < (a + 1) / (a + b + 2)) return (front * betaCf(a, b, x)) / a;
  return 1 - (front * betaCf(b, a, 1 - x)) / b;
}

/** Regularised lower incomplete gamma P(a, x). */
export function incompleteGamma(a: number, x: number): number {
  if (x <= 0) return 0;
  const lnFront = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let ap = a;
    let sum = 1 / a;
    let del = sum;
    for (let n = 0; n < MAX_IT; n++) {
      del *= x / ++ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * EPS) break;
    }
    return Math.min(1, sum * Math.exp(lnFront));
  }
  let b = x + 1 - a;
  let c = 1 / FPMIN;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= MAX_IT; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return Math.max(0, 1 - Math.exp(lnFront) * h);
}

/** P(X ≥ k) for X ~ Binomial(n, p). */
export function binomialUpper(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  return incompleteBeta(p, k, n - k + 1);
}

/** P(X ≤ k) for X ~ Binomial(n, p). */
export function binomialLower(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  return 1 - incompleteBeta(p, k + 1, n - k);
}

/** P(X ≥ k) for X ~ Poisson(mean). */
export function poissonUpper(k: number, mean: number): number {
  if (k <= 0) return 1;
  return incompleteGamma(k, mean);
}

/** P(X ≤ k) for X ~ Poisson(mean). */
export function poissonLower(k: number, mean: number): number {
  if (k < 0) return 0;
  return 1 - incompleteGamma(k + 1, mean);
}

/**
 * P(X ≥ k) for a negative binomial with the given mean and size r (variance mean + mean²/r);
 * r → ∞ is the Poisson.
 */
export function negBinomialUpper(k: number, mean: number, size: number): number {
  if (k <= 0) return 1;
  if (!Number.isFinite(size)) return poissonUpper(k, mean);
  const p = size / (size + mean);
  return incompleteBeta(1 - p, k, size);
}

/** P(X ≤ k) for a negative binomial with the given mean and size r. */
export function negBinomialLower(k: number, mean: number, size: number): number {
  if (k < 0) return 0;
  if (!Number.isFinite(size)) return poissonLower(k, mean);
  const p = size / (size + mean);
  return incompleteBeta(p, size, k + 1);
}

/**
 * Benjamini–Hochberg step-up: the tests (indexes into `p`, out of `m` tests in all) whose adjusted p is
 * ≤ `q`, with their adjusted p. Valid for independent and positively dependent tests (PRDS).
 */
export function benjaminiHochberg(p: ArrayLike<number>, m: number, q: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const [i, adj] of bhAdjust(p, m, q)) if (adj <= q) out.set(i, adj);
  return out;
}
