/**
 * ObjectIds as 12 bytes per slot, and an open-addressing hash table from those bytes to slots
 * (slot + 1 per entry, 0 = empty; FNV-1a over the 12 bytes, linear probing).
 */

export const ID_BYTES = 12;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Writes a 24-char hex id as 12 bytes; false if it is not one. */
export function hexToBytes(hex: string, out: Uint8Array, at: number): boolean {
  if (hex.length !== 24) return false;
  for (let k = 0; k < ID_BYTES; k++) {
    const hi = nibble(hex.charCodeAt(k * 2));
    const lo = nibble(hex.charCodeAt(k * 2 + 1));
    if (hi < 0 || lo < 0) return false;
    out[at + k] = (hi << 4) | lo;
  }
  return true;
}

/** The 24-char hex form of the id at `slot`. */
export function bytesToHex(ids: Uint8Array, slot: number): string {
  let s = '';
  const a = slot * ID_BYTES;
  for (let k = 0; k < ID_BYTES; k++) s += HEX[ids[a + k]!];
  return s;
}

/** Hash table id bytes → slot over an ids column (passed on each call: the column is replaced as it grows). */
export class IdTable {
  private table = new Int32Array(0);
  private scratch = new Uint8Array(ID_BYTES);

  get byteLength(): number {
    return this.table.byteLength;
  }

  /** Empties the table, sized as a power of two ≥ 1.5 × capacity. */
  reset(capacity: number): void {
    let size = 1;
    while (size < capacity * 1.5) size <<= 1;
    if (this.table.length !== size) this.table = new Int32Array(size);
    else this.table.fill(0);
  }

  /** Puts a slot in the table; returns the slot it replaced (same id), or -1. */
  put(ids: Uint8Array, slot: number): number {
    const table = this.table;
    const mask = table.length - 1;
    let h = hashAt(ids, slot * ID_BYTES) & mask;
    for (;;) {
      const v = table[h]!;
      if (v === 0) {
        table[h] = slot + 1;
        return -1;
      }
      if (sameId(ids, v - 1, ids, slot * ID_BYTES)) {
        table[h] = slot + 1;
        return v - 1 === slot ? -1 : v - 1;
      }
      h = (h + 1) & mask;
    }
  }

  /** Slot of a hex id (alive or not), or -1. */
  find(ids: Uint8Array, id: string): number {
    if (!hexToBytes(id, this.scratch, 0)) return -1;
    const table = this.table;
    const mask = table.length - 1;
    let h = hashAt(this.scratch, 0) & mask;
    for (;;) {
      const v = table[h]!;
      if (v === 0) return -1;
      if (sameId(ids, v - 1, this.scratch, 0)) return v - 1;
      h = (h + 1) & mask;
    }
  }
}

function hashAt(buf: Uint8Array, at: number): number {
  // FNV-1a over the 12 bytes (the last bytes of an ObjectId vary most).
  let h = 0x811c9dc5;
  for (let k = 0; k < ID_BYTES; k++) h = Math.imul(h ^ buf[at + k]!, 16777619);
  return h >>> 0;
}

function sameId(ids: Uint8Array, slot: number, buf: Uint8Array, at: number): boolean {
  const a = slot * ID_BYTES;
  for (let k = 0; k < ID_BYTES; k++) if (ids[a + k] !== buf[at + k]) return false;
  return true;
}
