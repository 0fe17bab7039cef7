import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launcherPath, type RunningEngine, startFerretDb } from '../../server/db/ferretdb';
import { waitFor } from '../support/wait';

// The launcher keeps a unique index on FerretDB's exact `_id` pushdown expression
// (`_ferretdb_sjson->'$._id'`), so `{_id: ...}` lookups search instead of scanning the table.
// This file runs its own FerretDB on a temp dir to read the SQLite file's query plans.

const { MongoClient, ObjectId } = mongoose.mongo;
type Doc = { _id: mongoose.mongo.ObjectId; n: number; tag: string };
const execFileP = promisify(execFile);

const DB = 'engineidx';
const DOCS = 100_000;
const BATCH = 5_000;
const INDEX_SEARCH = /^SEARCH \S+ USING INDEX \S+_sw_id \(<expr>=\?\)$/;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'staywatch-engine-index-'));
let engine: RunningEngine | undefined;
let client: InstanceType<typeof MongoClient> | undefined;
let planWithoutIndex: string | undefined;
let knownId: mongoose.mongo.ObjectId | undefined;
let inserted = 0;

/** Collection name → EXPLAIN QUERY PLAN of FerretDB's `_id` pushdown query, via the launcher's -explain. */
async function plans(dropIndexFirst = false): Promise<Map<string, string>> {
  const args = [...(dropIndexFirst ? ['-drop-id-index'] : []), '-explain', path.join(dataDir, `${DB}.sqlite`)];
  const { stdout } = await execFileP(launcherPath(), args);
  return new Map(
    stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [collection, , plan] = line.split('\t');
        return [collection, plan] as [string, string];
      }),
  );
}

async function start(): Promise<mongoose.mongo.Db> {
  engine = await startFerretDb({ dataDir, say: (m) => console.log(`[engine] ${m}`) });
  client = await MongoClient.connect(engine.uri);
  return client.db(DB);
}

async function stop(): Promise<void> {
  await client?.close();
  client = undefined;
  await engine?.stop();
  engine = undefined;
}

// The shared test engine is not FerretDB only when MONGODB_URI or a mongod is used; the SQLite
// query plans then do not apply (and Go may be missing).
describe.skipIf(inject('engineKind') !== 'ferretdb')('the FerretDB launcher _id index', () => {
  beforeAll(async () => {
    // A collection of 100,000 documents, then the launcher's index dropped while the engine is
    // down, as in a data directory from before the launcher made it.
    const db = await start();
    const coll = db.collection<Doc>('existing');
    for (let i = 0; i < DOCS; i += BATCH) {
      const batch = Array.from({ length: BATCH }, (_, j) => ({ _id: new ObjectId(), n: i + j, tag: 'x' }));
      inserted += (await coll.insertMany(batch, { ordered: false })).insertedCount;
      knownId ??= batch[0]!._id;
    }
    await stop();
    planWithoutIndex = (await plans(true)).get('existing');
    const t0 = performance.now();
    await start();
    console.log(`engine restarted (indexing ${DOCS} documents) in ${Math.round(performance.now() - t0)} ms`);
  });

  afterAll(async () => {
    await stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('makes an _id lookup an index search on a collection that existed at start', async () => {
    expect(planWithoutIndex).toMatch(/^SCAN /);
    // Right after the URI is printed: the index is made before FerretDB serves.
    expect((await plans()).get('existing')).toMatch(INDEX_SEARCH);
  });

  it('makes an _id lookup an index search on a collection created after start', async () => {
    await client!.db(DB).collection('later').insertOne({ _id: new ObjectId(), n: 1 } as never);
    // Within 2 s of the collection's creation, as before.
    const plan = await waitFor(
      async () => {
        const p = (await plans()).get('later');
        return INDEX_SEARCH.test(p ?? '') && p;
      },
      { timeout: 2_000, interval: 100, message: 'an index search plan for the new collection' },
    );
    expect(plan).toMatch(INDEX_SEARCH);
  });

  it('finds a missing _id among 100,000 documents in at most 5 ms (median of 20)', async () => {
    const coll = client!.db(DB).collection<Doc>('existing');
    expect(inserted).toBe(DOCS);
    expect((await coll.findOne({ _id: knownId! }))?.n).toBe(0);

    for (let i = 0; i < 5; i++) expect(await coll.findOne({ _id: new ObjectId() })).toBeNull();
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const id = new ObjectId();
      const t0 = performance.now();
      const doc = await coll.findOne({ _id: id });
      times.push(performance.now() - t0);
      expect(doc).toBeNull();
    }
    times.sort((a, b) => a - b);
    const median = (times[9]! + times[10]!) / 2;
    console.log(`findOne by missing _id at ${DOCS} documents: median ${median.toFixed(2)} ms`);
    expect(median).toBeLessThanOrEqual(5);
  });
});
