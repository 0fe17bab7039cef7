/**
 * A string table: each distinct string gets a small integer code (its position in `values`), so a
 * column holds codes instead of strings. With `nullCode`, code 0 is reserved for "none".
 */
export class Interner {
  values: Array<string | null>;
  /** Lower-case copies, position for position (only when asked for: text search). */
  readonly lower: Array<string | null> | null;
  private codes = new Map<string, number>();

  constructor(private readonly opts: { nullCode: boolean; lower?: boolean; max?: number; what?: string } = { nullCode: true }) {
    this.values = opts.nullCode ? [null] : [];
    this.lower = opts.lower ? (opts.nullCode ? [null] : []) : null;
  }

  /** The code of a string, added if new (0 for null/empty when the table has a null code). */
  code(s: string | null): number {
    if (!s) {
      if (this.opts.nullCode) return 0;
      s = s ?? '';
    }
    let c = this.codes.get(s);
    if (c === undefined) {
      c = this.values.length;
      if (this.opts.max !== undefined && c > this.opts.max)
        throw new Error(`too many ${this.opts.what ?? 'values'} for the map index`);
      this.values.push(s);
      this.lower?.push(s.toLowerCase());
      this.codes.set(s, c);
    }
    return c;
  }

  /** The code of a string already in the table, or undefined. */
  get(s: string): number | undefined {
    return this.codes.get(s);
  }

  at(code: number): string | null {
    return this.values[code] ?? null;
  }

  /** Replaces the table with `values` (a snapshot's): codes stay positions. */
  restore(values: ReadonlyArray<string | null>): void {
    this.values = this.opts.nullCode ? [null] : [];
    if (this.lower) this.lower.length = this.values.length;
    this.codes.clear();
    for (let k = this.opts.nullCode ? 1 : 0; k < values.length; k++) {
      const s = values[k] ?? '';
      this.values.push(s);
      this.lower?.push(s.toLowerCase());
      this.codes.set(s, k);
    }
  }
}
