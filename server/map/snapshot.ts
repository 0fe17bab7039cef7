import mongoose, { Types } from 'mongoose';
import type { Logger } from '../logger';
import type { ReportIndex } from './report-index';
import { decodeIndex, encodeIndex } from './snapshot-codec';

/**
 * Persisted map index snapshots, so a start at 1,000,000 reports reads a few binary documents by
 * `_id` (pushed down on FerretDB) instead of streaming every report.
 * - `mapsnapshots` (tiny): `head` names the current snapshot; `log` says up to when the change log
 *   was pruned; `lease:<headId>` rows decide which instance writes the next snapshot (the insert
 *   of a fixed `_id` succeeds once).
 * - `mapsnapshot_<id>`: the chunks of one snapshot, `{_id: n, data: BinData ≤ 4 MB}` (compressed, see snapshot-codec). A snapshot
 *   is replaced by dropping its collection (cheap on MongoDB and FerretDB alike).
 */

export const META = 'mapsnapshots';
/** FerretDB reads a document at ~5–10 MB/s whatever its size; 4 MB chunks let a few be read at once. */
export const CHUNK_BYTES = 4 * 1024 * 1024;
const PREFIX = 'mapsnapshot_';
/**
 * A lease this old is taken over (its holder died mid-write; a million-report snapshot takes seconds). A failed write
 * releases its lease at once, so this only bounds how long a killed writer blocks the next snapshot.
 */
export const LEASE_STALE_MS = 5 * 60_000;

export interface SnapshotHead {
  snapshotId: string;
  /** When the index state was captured. */
  at: Date;
  /**
   * Replay the change log from here on load: the start of the writer's last poll before capture, minus the poll
   * overlap (its index held every change logged before that). Absent on older snapshots and the seed's: then
   * REPLAY_MARGIN before `at`.
   */
  replayFrom?: Date;
  chunks: number;
  bytes: number;
  sha256: string;
  reports: number;
  /** Followers' sections (entities/entity-index.ts), stored as chunks `<name>:<k>` beside the index's. */
  sections?: Record<string, { chunks: number; bytes: number }>;
}

type MetaDoc = { _id: string } & Partial<SnapshotHead> & { prunedBefore?: Date; by?: string; leasedAt?: Date };
type ChunkDoc = { _id: number | string; data: mongoose.mongo.Binary };

const meta = () => mongoose.connection.collection<MetaDoc>(META);
const chunks = (id: string) => mongoose.connection.collection<ChunkDoc>(`${PREFIX}${id}`);

export async function readHead(): Promise<SnapshotHead | null> {
  const doc = await meta().findOne({ _id: 'head' });
  if (!doc?.snapshotId || !doc.at || !doc.chunks || !doc.sha256) return null;
  return {
    snapshotId: doc.snapshotId,
    at: doc.at,
    chunks: doc.chunks,
    bytes: doc.bytes ?? 0,
    sha256: doc.sha256,
    reports: doc.reports ?? 0,
    ...(doc.replayFrom ? { replayFrom: doc.replayFrom } : {}),
    ...(doc.sections ? { sections: doc.sections } : {}),
  };
}

/** Up to when the change log has been pruned (entries before it are gone), or null. */
export async function readPrunedBefore(): Promise<Date | null> {
  const doc = await meta().findOne({ _id: 'log' });
  return doc?.prunedBefore ?? null;
}

export async function markPruned(before: Date): Promise<void> {
  await meta().replaceOne({ _id: 'log' }, { prunedBefore: before }, { upsert: true });
}

/**
 * Claim the right to replace snapshot `headId` ('none' when there is none): one instance wins.
 * A lease older than 15 minutes (its holder died mid-write) is taken over.
 */
export async function claimLease(headId: string, by: string): Promise<boolean> {
  const _id = `lease:${headId}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await meta().insertOne({ _id, by, leasedAt: new Date() });
      return true;
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
      const lease = await meta().findOne({ _id });
      if (!lease?.leasedAt || Date.now() - lease.leasedAt.getTime() < LEASE_STALE_MS) return false;
      await meta().deleteOne({ _id, leasedAt: lease.leasedAt });
    }
  }
  return false;
}

/** Give up a lease this instance holds (its write failed), so the next attempt, here or elsewhere, can write. */
export async function releaseLease(headId: string, by: string): Promise<void> {
  await meta().deleteOne({ _id: `lease:${headId}`, by });
}

/**
 * Writes `ix` as a new snapshot captured at `at`, makes it the head, drops older snapshots but the
 * one it replaced (a reader may still be loading it), and leases older than a day. Snapshots begun after this one
 * are left alone: another instance may have won the lease on this new head already and be filling one.
 */
export async function writeSnapshot(
  ix: ReportIndex,
  at: Date,
  logger: Logger,
  opts: { replayFrom?: Date; sections?: Record<string, Buffer> } = {},
): Promise<SnapshotHead> {
  const t0 = performance.now();
  const { blob, sha256, rawBytes } = await encodeIndex(ix);
  const snapshotId = new Types.ObjectId().toHexString();
  const n = Math.max(1, Math.ceil(blob.length / CHUNK_BYTES));
  const coll = chunks(snapshotId);
  for (let k = 0; k < n; k++) {
    const part = blob.subarray(k * CHUNK_BYTES, Math.min(blob.length, (k + 1) * CHUNK_BYTES));
    await coll.insertOne({ _id: k, data: new mongoose.mongo.Binary(part) });
  }
  // Entity-index hook: followers' sections, chunked the same way, `_id` `<name>:<k>`.
  const sections: Record<string, { chunks: number; bytes: number }> = {};
  for (const [name, buf] of Object.entries(opts.sections ?? {})) {
    const m = Math.max(1, Math.ceil(buf.length / CHUNK_BYTES));
    for (let k = 0; k < m; k++) {
      const part = buf.subarray(k * CHUNK_BYTES, Math.min(buf.length, (k + 1) * CHUNK_BYTES));
      await coll.insertOne({ _id: `${name}:${k}`, data: new mongoose.mongo.Binary(part) });
    }
    sections[name] = { chunks: m, bytes: buf.length };
  }
  const previous = await readHead();
  const head: SnapshotHead = {
    snapshotId,
    at,
    chunks: n,
    bytes: blob.length,
    sha256,
    reports: ix.size,
    ...(opts.replayFrom ? { replayFrom: opts.replayFrom } : {}),
    ...(opts.sections ? { sections } : {}),
  };
  await meta().replaceOne({ _id: 'head' }, head, { upsert: true });
  const keep = new Set([`${PREFIX}${snapshotId}`, previous ? `${PREFIX}${previous.snapshotId}` : '']);
  const db = mongoose.connection.db!;
  for (const c of await db.listCollections({}, { nameOnly: true }).toArray()) {
    if (!c.name.startsWith(PREFIX) || keep.has(c.name) || begunSince(c.name.slice(PREFIX.length), snapshotId)) continue;
    await db.dropCollection(c.name).catch(() => undefined);
  }
  await meta().deleteMany({ leasedAt: { $lt: new Date(Date.now() - 86_400_000) } });
  logger.info(
    {
      snapshotId,
      reports: ix.size,
      mb: Math.round(blob.length / 1048576),
      rawMb: Math.round(rawBytes / 1048576),
      chunks: n,
      ms: Math.round(performance.now() - t0),
    },
    'map index snapshot written',
  );
  return head;
}

/** Snapshot ids are ObjectIds, whose timestamp (in seconds) says when the write began: same second counts as since. */
function begunSince(id: string, ref: string): boolean {
  if (!Types.ObjectId.isValid(id)) return false;
  return new Types.ObjectId(id).getTimestamp().getTime() >= new Types.ObjectId(ref).getTimestamp().getTime();
}

/** Reads and checks a snapshot (chunks by `_id`, a few at a time); throws when any part is missing or corrupt. */
export async function loadSnapshot(head: SnapshotHead): Promise<ReportIndex> {
  const coll = chunks(head.snapshotId);
  const parts: Buffer[] = new Array(head.chunks);
  let next = 0;
  const worker = async () => {
    while (next < head.chunks) {
      const k = next++;
      const doc = await coll.findOne({ _id: k });
      if (!doc) throw new Error(`snapshot ${head.snapshotId} lacks chunk ${k}`);
      parts[k] = Buffer.from(doc.data.buffer.buffer, doc.data.buffer.byteOffset, doc.data.position);
    }
  };
  await Promise.all(Array.from({ length: Math.min(3, head.chunks) }, worker));
  const blob = Buffer.concat(parts);
  if (blob.length !== head.bytes) throw new Error(`snapshot ${head.snapshotId} has ${blob.length} bytes, expected ${head.bytes}`);
  return decodeIndex(blob, head.sha256);
}

/** A follower's section of a snapshot (entity index), or null when the snapshot has none. */
export async function loadSection(head: SnapshotHead, name: string): Promise<Buffer | null> {
  const info = head.sections?.[name];
  if (!info) return null;
  const coll = chunks(head.snapshotId);
  const parts: Buffer[] = [];
  for (let k = 0; k < info.chunks; k++) {
    const doc = await coll.findOne({ _id: `${name}:${k}` });
    if (!doc) throw new Error(`snapshot ${head.snapshotId} lacks ${name} chunk ${k}`);
    parts.push(Buffer.from(doc.data.buffer.buffer, doc.data.buffer.byteOffset, doc.data.position));
  }
  const buf = Buffer.concat(parts);
  if (buf.length !== info.bytes) throw new Error(`snapshot ${head.snapshotId} ${name} section has ${buf.length} bytes`);
  return buf;
}
