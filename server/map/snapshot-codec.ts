import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { COLUMNS, deriveSlots, slotBytes } from './index/columns';
import { ReportIndex } from './index/report-index';

/**
 * A ReportIndex as one compact binary blob (FerretDB reads large documents at only ~5–10 MB/s, so
 * size is start-up time). Only what cannot be derived is stored; Mercator x/y, Morton keys, minute
 * windows and codes are recomputed on load. Each column is stored as small integers where that is
 * exact (positions in micro-degrees, delta-coded along the Morton order; times in minutes or
 * seconds relative to each other) with the rare values that are not exact kept aside, then
 * byte-planed (all first bytes, then all second bytes...) and deflated. Layout before deflate:
 * [u32 header length][header JSON][sections...]; a SHA-256 of the deflated blob travels beside it.
 */

/** 3: the `unread` column (issue 13). */
const FORMAT = 3;
const deflate = promisify(zlib.deflateRaw);
const inflate = promisify(zlib.inflateRaw);

interface Section {
  name: string;
  /** 'int' (Int32 planes, exceptions in `ex`), 'raw' (planes of `width` bytes). */
  kind: 'int' | 'raw';
  width: number;
  bytes: number;
  /** For 'int': value = base + q × unit (base: another column or the previous value), exceptions exact. */
  unit?: number;
  base?: 'prev' | ColumnName;
  exceptions?: number;
}

interface Header {
  format: number;
  n: number;
  sortedN: number;
  sections: Section[];
  forceIds: string[];
  addresses: Array<string | null>;
  assignees: Array<string | null>;
}

/** Byte planes: all bytes 0 of each element, then all bytes 1... (compresses numbers far better). */
function toPlanes(src: Uint8Array, n: number, width: number): Buffer {
  const out = Buffer.allocUnsafe(n * width);
  for (let b = 0; b < width; b++) {
    const o = b * n;
    for (let i = 0; i < n; i++) out[o + i] = src[i * width + b]!;
  }
  return out;
}
function fromPlanes(src: Uint8Array, n: number, width: number, out: Uint8Array): void {
  for (let b = 0; b < width; b++) {
    const o = b * n;
    for (let i = 0; i < n; i++) out[i * width + b] = src[o + i]!;
  }
}

/**
 * Encode doubles as Int32 steps of `unit` over a base (the previous value, another column, or 0),
 * exact or set aside: [planes of Int32][exceptions: u32 slot, f64 value...]. Null when too many are inexact.
 */
function encodeInts(
  values: Float64Array,
  n: number,
  unit: number,
  base: Float64Array | 'prev' | null,
): { body: Buffer; exceptions: number } | null {
  const q = new Int32Array(n);
  const ex: number[] = [];
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    const b = base === 'prev' ? prev : base ? base[i]! : 0;
    const k = Math.round((v - b) / unit);
    if (Math.abs(k) < 2 ** 31 && b + k * unit === v) {
      q[i] = k;
      if (base === 'prev') prev = v;
    } else {
      ex.push(i);
      q[i] = 0;
      // prev is unchanged: the decoder skips exceptions the same way.
    }
  }
  if (ex.length > n * 0.1) return null;
  const exBuf = Buffer.alloc(ex.length * 12);
  ex.forEach((slot, k) => {
    exBuf.writeUInt32LE(slot, k * 12);
    exBuf.writeDoubleLE(values[slot]!, k * 12 + 4);
  });
  return { body: Buffer.concat([toPlanes(new Uint8Array(q.buffer), n, 4), exBuf]), exceptions: ex.length };
}

function decodeInts(body: Uint8Array, n: number, s: Section, base: Float64Array | 'prev' | null, out: Float64Array): void {
  const q = new Int32Array(n);
  fromPlanes(body, n, 4, new Uint8Array(q.buffer));
  const exceptional = new Map<number, number>();
  const view = new DataView(body.buffer, body.byteOffset + n * 4, (s.exceptions ?? 0) * 12);
  for (let k = 0; k < (s.exceptions ?? 0); k++) exceptional.set(view.getUint32(k * 12, true), view.getFloat64(k * 12 + 4, true));
  const unit = s.unit ?? 1;
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const e = exceptional.get(i);
    if (e !== undefined) {
      out[i] = e;
      continue;
    }
    const b = base === 'prev' ? prev : base ? base[i]! : 0;
    const v = b + q[i]! * unit;
    out[i] = v;
    if (base === 'prev') prev = v;
  }
}

type ColumnName = (typeof COLUMNS)[number]['name'];
/** The columns a snapshot stores (the rest are derived on load), in `COLUMNS` order: a base comes before its users. */
const STORED = COLUMNS.filter((c) => c.storage !== 'derived');

export async function encodeIndex(ix: ReportIndex): Promise<{ blob: Buffer; sha256: string; rawBytes: number }> {
  const n = ix.n;
  const f = ix.fields();
  const sections: Section[] = [];
  const bodies: Buffer[] = [];
  for (const c of STORED) {
    const storage = c.storage;
    if (storage === 'derived') continue;
    if (storage === 'raw') {
      const a = f[c.name];
      const width = slotBytes(c);
      const body = toPlanes(new Uint8Array(a.buffer, a.byteOffset, n * width), n, width);
      sections.push({ name: c.name, kind: 'raw', width, bytes: body.length });
      bodies.push(body);
      continue;
    }
    const { int: unit, base: b } = storage;
    const values = f[c.name] as Float64Array;
    const base = b === 'prev' || b === null ? b : (f[b] as Float64Array);
    // Micro-degrees are rarely exact in binary: the check `b + k·unit === v` decides, value by value.
    const enc = encodeInts(values, n, unit, base);
    if (enc) {
      sections.push({
        name: c.name,
        kind: 'int',
        width: 4,
        bytes: enc.body.length,
        unit,
        ...(b ? { base: b } : {}),
        exceptions: enc.exceptions,
      });
      bodies.push(enc.body);
    } else {
      const body = toPlanes(new Uint8Array(values.buffer, values.byteOffset, n * 8), n, 8);
      sections.push({ name: c.name, kind: 'raw', width: 8, bytes: body.length });
      bodies.push(body);
    }
  }
  const header: Header = {
    format: FORMAT,
    n,
    sortedN: ix.sortedN,
    sections,
    forceIds: ix.forceIds,
    addresses: ix.addresses,
    assignees: ix.assignees,
  };
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length, 0);
  const raw = Buffer.concat([len, head, ...bodies]);
  const blob = await deflate(raw, { level: 1 });
  return { blob, sha256: createHash('sha256').update(blob).digest('hex'), rawBytes: raw.length };
}

/** Decodes a blob made by encodeIndex; throws on anything inconsistent. */
export async function decodeIndex(blob: Buffer, sha256?: string): Promise<ReportIndex> {
  if (sha256 && createHash('sha256').update(blob).digest('hex') !== sha256) throw new Error('snapshot checksum mismatch');
  const raw = await inflate(blob);
  const len = raw.readUInt32LE(0);
  const header = JSON.parse(raw.subarray(4, 4 + len).toString('utf8')) as Header;
  if (header.format !== FORMAT) throw new Error(`unknown snapshot format ${header.format}`);
  const n = header.n;
  const ix = new ReportIndex(Math.max(16, n));
  const arrays = ix.fields();
  let at = 4 + len;
  const decoded = new Set<string>();
  for (const s of header.sections) {
    if (at + s.bytes > raw.length) throw new Error(`snapshot section ${s.name} out of range`);
    const body = raw.subarray(at, at + s.bytes);
    at += s.bytes;
    const target = arrays[s.name as ColumnName];
    if (!target) throw new Error(`bad snapshot section ${s.name}`);
    if (s.kind === 'int') {
      const base = s.base === 'prev' ? 'prev' : s.base ? (arrays[s.base] as Float64Array) : null;
      if (base && base !== 'prev' && !decoded.has(s.base!)) throw new Error(`snapshot section ${s.name} before its base`);
      decodeInts(body, n, s, base, target as Float64Array);
    } else {
      if (body.length !== n * s.width) throw new Error(`snapshot section ${s.name} has the wrong size`);
      fromPlanes(body, n, s.width, new Uint8Array(target.buffer, target.byteOffset, n * s.width));
    }
    decoded.add(s.name);
  }
  for (const c of STORED) if (!decoded.has(c.name)) throw new Error(`snapshot lacks ${c.name}`);
  deriveSlots(ix, 0, n);
  ix.setTables(header);
  ix.restored(n, header.sortedN);
  return ix;
}
