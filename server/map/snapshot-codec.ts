import { createHash } from 'node:crypto';
import { ReportIndex, SNAPSHOT_FIELDS, type SnapshotField } from './report-index';

/**
 * A ReportIndex as one binary blob: a JSON header (field layout, counts, string tables) followed by
 * every per-slot typed array, each 8-byte aligned so decoding makes views, not copies.
 * Layout: [u32 header length][header JSON][pad to 8][field 0][pad]...; a SHA-256 of the whole blob
 * travels beside it (in the snapshot head) to catch a torn or corrupt snapshot.
 */

const FORMAT = 1;

type Ctor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => ArrayBufferView;
const CTORS: Record<string, { ctor: Ctor; bytes: number }> = {
  Float64Array: { ctor: Float64Array as unknown as Ctor, bytes: 8 },
  Float32Array: { ctor: Float32Array as unknown as Ctor, bytes: 4 },
  Uint32Array: { ctor: Uint32Array as unknown as Ctor, bytes: 4 },
  Uint16Array: { ctor: Uint16Array as unknown as Ctor, bytes: 2 },
  Uint8Array: { ctor: Uint8Array as unknown as Ctor, bytes: 1 },
};

interface Header {
  format: number;
  n: number;
  sortedN: number;
  lastUpdatedMs: number;
  fields: Array<{ name: SnapshotField; type: string; length: number; offset: number }>;
  forceIds: string[];
  addresses: Array<string | null>;
  assignees: Array<string | null>;
}

const pad8 = (x: number) => (x + 7) & ~7;

export function encodeIndex(ix: ReportIndex): { blob: Buffer; sha256: string } {
  const arrays = ix.fields();
  const perSlot: Record<string, number> = { ids: 12, refs: 16 };
  const fields: Header['fields'] = [];
  let offset = 0;
  for (const name of SNAPSHOT_FIELDS) {
    const a = arrays[name];
    const type = a.constructor.name;
    const slots = name === 'mk' ? ix.sortedN : ix.n;
    const length = slots * (perSlot[name] ?? 1);
    fields.push({ name, type, length, offset });
    offset = pad8(offset + length * CTORS[type]!.bytes);
  }
  const header: Header = {
    format: FORMAT,
    n: ix.n,
    sortedN: ix.sortedN,
    lastUpdatedMs: ix.lastUpdatedMs,
    fields,
    forceIds: ix.forceIds,
    addresses: ix.addresses,
    assignees: ix.assignees,
  };
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const start = pad8(4 + head.length);
  const blob = Buffer.alloc(start + offset);
  blob.writeUInt32LE(head.length, 0);
  head.copy(blob, 4);
  for (const f of fields) {
    const a = arrays[f.name];
    const bytes = f.length * CTORS[f.type]!.bytes;
    blob.set(new Uint8Array(a.buffer, a.byteOffset, bytes), start + f.offset);
  }
  return { blob, sha256: createHash('sha256').update(blob).digest('hex') };
}

/** Decodes a blob made by encodeIndex; throws on anything inconsistent. */
export function decodeIndex(blob: Buffer, sha256?: string): ReportIndex {
  if (sha256 && createHash('sha256').update(blob).digest('hex') !== sha256) throw new Error('snapshot checksum mismatch');
  const len = blob.readUInt32LE(0);
  const header = JSON.parse(blob.subarray(4, 4 + len).toString('utf8')) as Header;
  if (header.format !== FORMAT) throw new Error(`unknown snapshot format ${header.format}`);
  const start = pad8(4 + len);
  // One aligned copy of the body: typed arrays are views into it.
  const body = new ArrayBuffer(blob.length - start);
  new Uint8Array(body).set(blob.subarray(start));
  const arrays = {} as Record<SnapshotField, ArrayBufferView>;
  for (const f of header.fields) {
    const t = CTORS[f.type];
    if (!t || !SNAPSHOT_FIELDS.includes(f.name)) throw new Error(`bad snapshot field ${f.name}`);
    if (f.offset % 8 !== 0 || f.offset + f.length * t.bytes > body.byteLength) throw new Error(`snapshot field ${f.name} out of range`);
    arrays[f.name] = new t.ctor(body, f.offset, f.length);
  }
  for (const name of SNAPSHOT_FIELDS) if (!arrays[name]) throw new Error(`snapshot lacks ${name}`);
  const ix = new ReportIndex(16);
  ix.setTables(header);
  ix.adopt(arrays, header.n, header.sortedN, header.lastUpdatedMs);
  return ix;
}
