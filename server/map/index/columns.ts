import { latToY, lngToX, minutes } from './projection';
import { type IndexRecord, slotCode } from './record';

/**
 * The per-slot columns of the map index, listed ONCE: this list makes the typed arrays (allocation,
 * growth, the reorder in `compact.ts`), the snapshot sections (`snapshot-codec.ts`) and the database
 * projection (`INDEX_PROJECTION`). A column is `stored` (in snapshots, either as small integers
 * `int` or as raw bytes) or `derived` (recomputed from stored ones by `deriveSlots`).
 */

type ArrayType =
  | Float64ArrayConstructor
  | Float32ArrayConstructor
  | Uint32ArrayConstructor
  | Uint16ArrayConstructor
  | Uint8ArrayConstructor;

/** How a snapshot keeps a column: value = base + q × unit in Int32 steps (base: previous value or another column), raw bytes, or not at all. */
export type ColumnStorage = { int: number; base: 'prev' | 'fromMs' | 'toMs' | null } | 'raw' | 'derived';

interface ColumnSpec<N extends string, A extends ArrayType> {
  name: N;
  array: A;
  /** Elements per slot (1 unless the column holds bytes of a fixed-width value). */
  per?: number;
  /** The report fields it is made from (the database projection). */
  from: ReadonlyArray<keyof IndexRecord>;
  storage: ColumnStorage;
  doc?: string;
}
const column = <N extends string, A extends ArrayType>(c: ColumnSpec<N, A>) => c;

export const REF_BYTES = 16;

export const COLUMNS = [
  column({ name: 'lat', array: Float64Array, from: ['lat'], storage: { int: 1e-6, base: 'prev' } }),
  column({ name: 'lng', array: Float64Array, from: ['lng'], storage: { int: 1e-6, base: 'prev' } }),
  column({ name: 'x', array: Float32Array, from: ['lng'], storage: 'derived', doc: 'Web-Mercator x' }),
  column({ name: 'y', array: Float32Array, from: ['lat'], storage: 'derived', doc: 'Web-Mercator y' }),
  column({ name: 'fromMs', array: Float64Array, from: ['observedFrom'], storage: { int: 60_000, base: null } }),
  column({ name: 'toMs', array: Float64Array, from: ['observedTo'], storage: { int: 60_000, base: 'fromMs' } }),
  column({ name: 'fromMin', array: Uint32Array, from: ['observedFrom'], storage: 'derived', doc: 'window in whole minutes' }),
  column({ name: 'toMin', array: Uint32Array, from: ['observedTo'], storage: 'derived' }),
  column({ name: 'role', array: Uint8Array, from: ['reporterRole'], storage: 'raw', doc: 'index in REPORTER_ROLE_IDS' }),
  column({ name: 'released', array: Uint8Array, from: ['ownerAlert'], storage: 'raw', doc: '1: owner alert released' }),
  column({ name: 'unread', array: Uint8Array, from: ['unread'], storage: 'raw', doc: '1: reporter added information not yet opened' }),
  column({ name: 'assignee', array: Uint32Array, from: ['assignedTo'], storage: 'raw', doc: 'interned; 0 unassigned' }),
  column({ name: 'createdMs', array: Float64Array, from: ['createdAt'], storage: { int: 1000, base: 'toMs' } }),
  column({ name: 'ind', array: Uint32Array, from: ['indicators'], storage: 'raw', doc: 'indicator bits' }),
  column({ name: 'type', array: Uint8Array, from: ['propertyType'], storage: 'raw' }),
  column({ name: 'status', array: Uint8Array, from: ['status'], storage: 'raw' }),
  column({ name: 'prio', array: Uint8Array, from: ['priority'], storage: 'raw', doc: '1: safeguarding' }),
  column({ name: 'force', array: Uint8Array, from: ['forceId'], storage: 'raw', doc: 'interned force id' }),
  column({ name: 'alive', array: Uint8Array, from: [], storage: 'raw' }),
  column({
    name: 'code',
    array: Uint16Array,
    from: ['forceId', 'propertyType', 'status', 'priority'],
    storage: 'derived',
    doc: '0 when dead; else force << 7 | 64 | type | status << 2 | priority << 5: one lookup tests all four',
  }),
  column({ name: 'addr', array: Uint32Array, from: ['address'], storage: 'raw', doc: 'interned address; 0 none' }),
  column({ name: 'ids', array: Uint8Array, per: 12, from: ['_id'], storage: 'raw', doc: 'ObjectId bytes' }),
  column({
    name: 'refs',
    array: Uint8Array,
    per: REF_BYTES,
    from: ['reference'],
    storage: 'raw',
    doc: 'ASCII reference, 0-padded',
  }),
] as const;

type Spec = (typeof COLUMNS)[number];
export type ColumnName = Spec['name'];
/** One typed array per column. */
export type Columns = { [C in Spec as C['name']]: InstanceType<C['array']> };

/** Bytes per slot of a column. */
const perSlot = (c: Spec): number => (c as { per?: number }).per ?? 1;
export const slotBytes = (c: Spec): number => perSlot(c) * c.array.BYTES_PER_ELEMENT;

/** Fresh zeroed columns for `cap` slots. */
export function allocColumns(cap: number): Columns {
  const out = {} as Record<ColumnName, ArrayBufferView>;
  for (const c of COLUMNS) out[c.name] = new c.array(cap * perSlot(c));
  return out as Columns;
}

/** Sets `dst`'s columns to fresh ones of `cap` slots holding the first `n` slots of `src` (growth). */
export function growColumns(dst: Columns, src: Columns, n: number, cap: number): void {
  const d = dst as unknown as Record<ColumnName, Uint8Array>;
  const s = src as unknown as Record<ColumnName, Uint8Array>;
  for (const c of COLUMNS) {
    const per = perSlot(c);
    const b = new c.array(cap * per) as Uint8Array;
    b.set(s[c.name].subarray(0, Math.min(n, cap) * per));
    d[c.name] = b;
  }
}

/** The fields a lean report document needs for the index (every column's sources). */
export const INDEX_PROJECTION: Readonly<Record<string, 1>> = Object.fromEntries(
  [...new Set(COLUMNS.flatMap((c) => c.from).filter((f) => f !== '_id'))].map((f) => [f, 1]),
);

/** Recomputes the derived columns (x, y, minute windows, codes) of slots [lo, hi) from the stored ones. */
export function deriveSlots(c: Columns, lo: number, hi: number): void {
  const { lat, lng, x, y, fromMs, toMs, fromMin, toMin, code, force, type, status, prio, alive } = c;
  for (let i = lo; i < hi; i++) {
    x[i] = lngToX(lng[i]!);
    y[i] = latToY(lat[i]!);
    fromMin[i] = minutes(fromMs[i]!);
    toMin[i] = minutes(toMs[i]!);
    code[i] = alive[i] ? slotCode(force[i]!, type[i]!, status[i]!, prio[i]!) : 0;
  }
}
