import { allocColumns, COLUMNS, type Columns, deriveSlots, slotBytes } from './columns';

/**
 * Reorders columns so new slot k holds old slot perm[k] (the Morton sort). The stored fields of each
 * slot are packed into one row of 32-bit words first (a sequential pass), rows are read in the new
 * order (one or two cache lines per slot instead of a cache miss per column: the order is random at
 * first) and unpacked into fresh columns; derived columns are recomputed and every slot is alive.
 * The row layout follows `COLUMNS`: the 4-byte-multiple columns as words, then the 1-byte ones packed.
 */

type Words = { name: (typeof COLUMNS)[number]['name']; words: number; off: number };

const stored = COLUMNS.filter((c) => c.storage !== 'derived' && c.name !== 'alive');
const WORD_COLS: Words[] = [];
const BYTE_COLS: Array<(typeof COLUMNS)[number]['name']> = [];
let wordOff = 0;
for (const c of stored) {
  const b = slotBytes(c);
  if (b % 4 === 0) {
    WORD_COLS.push({ name: c.name, words: b / 4, off: wordOff });
    wordOff += b / 4;
  } else if (b === 1) BYTE_COLS.push(c.name);
  else throw new Error(`column ${c.name}: ${b} bytes per slot cannot be packed in a row`);
}
/** Words per row; the byte columns start at word `wordOff`. */
const W = wordOff + Math.ceil(BYTE_COLS.length / 4);
const BYTE_AT = wordOff * 4;
const NW = WORD_COLS.length;
const NB = BYTE_COLS.length;
const WORDS = Int32Array.from(WORD_COLS, (c) => c.words);
const OFF = Int32Array.from(WORD_COLS, (c) => c.off);

/** Copies `len` (1 to 4) words; unrolled, as this runs for every column of every slot. */
function copyWords(src: Uint32Array, at: number, dst: Uint32Array, to: number, len: number): void {
  dst[to] = src[at]!;
  if (len === 1) return;
  dst[to + 1] = src[at + 1]!;
  if (len === 2) return;
  dst[to + 2] = src[at + 2]!;
  if (len === 3) return;
  for (let j = 3; j < len; j++) dst[to + j] = src[at + j]!;
}

const u32 = (a: ArrayBufferView) => new Uint32Array(a.buffer, a.byteOffset, a.byteLength >>> 2);

/** `release` is called once the rows are packed (an in-place sort lets go of the old columns there). */
export function reorderColumns(
  src: Columns,
  n: number,
  perm: Uint32Array,
  m: number,
  cap: number,
  release?: () => void,
): Columns {
  const s = src as unknown as Record<string, ArrayBufferView>;
  const rows = new Uint32Array(n * W);
  const rows8 = new Uint8Array(rows.buffer);
  const wordSrc = WORD_COLS.map((c) => u32(s[c.name]!));
  const byteSrc = BYTE_COLS.map((name) => s[name] as Uint8Array);
  for (let i = 0; i < n; i++) {
    const o = i * W;
    for (let c = 0; c < NW; c++) copyWords(wordSrc[c]!, i * WORDS[c]!, rows, o + OFF[c]!, WORDS[c]!);
    const ob = o * 4 + BYTE_AT;
    for (let c = 0; c < NB; c++) rows8[ob + c] = byteSrc[c]![i]!;
  }
  // Rows hold everything now: when sorting in place the old columns can go.
  wordSrc.length = 0;
  byteSrc.length = 0;
  release?.();
  const dst = allocColumns(cap);
  const d = dst as unknown as Record<string, ArrayBufferView>;
  const wordDst = WORD_COLS.map((c) => u32(d[c.name]!));
  const byteDst = BYTE_COLS.map((name) => d[name] as Uint8Array);
  for (let k = 0; k < m; k++) {
    const o = perm[k]! * W;
    for (let c = 0; c < NW; c++) copyWords(rows, o + OFF[c]!, wordDst[c]!, k * WORDS[c]!, WORDS[c]!);
    const ob = o * 4 + BYTE_AT;
    for (let c = 0; c < NB; c++) byteDst[c]![k] = rows8[ob + c]!;
  }
  dst.alive.fill(1, 0, m);
  deriveSlots(dst, 0, m);
  return dst;
}
