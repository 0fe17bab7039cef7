export interface WaitOptions {
  /** Give up after this long (default 10 s). */
  timeout?: number;
  /** Check again this often (default 20 ms). */
  interval?: number;
  /** What was awaited, for the error; a function is called at the timeout (to show the last state). */
  message?: string | (() => string);
}

/**
 * Resolves with the first truthy value `condition` returns, checking every `interval` ms; rejects after `timeout`
 * ms with `message`. A condition that throws is retried (e.g. an assertion that does not hold yet) and its last
 * error is reported at the timeout. Use it instead of a fixed sleep: it is as fast as the thing awaited, and as
 * patient as the timeout on a busy machine.
 */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const { timeout = 10_000, interval = 20, message = 'condition' } = options;
  const until = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= until) {
      const what = typeof message === 'function' ? message() : message;
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${why}`, { cause: lastError });
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
