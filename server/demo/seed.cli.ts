import { parseArgs } from 'node:util';
import { Types } from 'mongoose';
import { hashPassword } from '../accounts/password';
import { insertSeededUsers } from '../accounts/users.service';
import { loadConfig } from '../config';
import { connectDb, dbInfo, disconnectDb } from '../db/connection';
import { startEngine } from '../db/engine';
import { ForceModel } from '../forces/force.model';
import { cellKeys } from '../geo/geohash';
import { createLogger } from '../logger';
import { PropertyModel } from '../properties/property.model';
import { bumpPropertyVersion } from '../properties/property-version.model';
import { MapSnapshotSeed } from '../map/seed-snapshot';
import { reportIdFor } from '../reports/report-id';
import { createServices } from '../services';
import { generateProperties, generateReports } from './generate';
import { insertReports } from './insert';
import { progressBar } from './progress';
import { seedForces } from './seed-demo';

const USAGE = `Usage: npm run seed -- --reports N [--owners M] [--seed S] [--days D] [--batch B] [--streams K]
Adds realistic synthetic data to the configured database (MONGODB_URI or the local engine in DATA_DIR).
--streams: insert batches in flight at once (default 2 on FerretDB: its SQLite has one writer, but a second batch
  is parsed while the first is written, 1.1-1.2x faster here; 4 on MongoDB).`;

const { values } = parseArgs({
  options: {
    reports: { type: 'string', default: '1000' },
    owners: { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    days: { type: 'string', default: '365' },
    batch: { type: 'string', default: '5000' },
    streams: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const num = (name: string, v: string | undefined, min: number, max: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name} must be an integer from ${min} to ${max}\n${USAGE}`);
    process.exit(2);
  }
  return n;
};
const reports = num('reports', values.reports, 0, 10_000_000);
const owners = num('owners', values.owners, 0, 1_000_000);
const seed = num('seed', values.seed, 1, 2 ** 31);
const days = num('days', values.days, 1, 3650);
const batchSize = num('batch', values.batch, 100, 100_000);
const streams = values.streams === undefined ? null : num('streams', values.streams, 1, 32);

const config = loadConfig();
const engine = await startEngine(config, { persistent: true, say: (m) => console.error(m) });
let code = 0;
try {
  await connectDb(engine.uri, config.dbName);
  const logger = createLogger({ level: 'warn' });
  const s = createServices(config, logger, engine.kind);
  const onFerretDb = (await dbInfo()).engine === 'ferretdb';
  if ((await ForceModel.estimatedDocumentCount()) === 0) await seedForces(s);
  await s.forces.load();

  if (owners > 0) {
    const hash = await hashPassword(config.demoPassword);
    const bar = progressBar(owners, 'owners  ');
    const props = generateProperties(owners * 2, { seed: seed + 99, locator: s.forces.locator });
    for (let i = 0; i < owners; i += batchSize) {
      const n = Math.min(batchSize, owners - i);
      const users = Array.from({ length: n }, (_, k) => ({
        _id: new Types.ObjectId(),
        email: `owner${seed}-${i + k}@seed.test`,
        name: `Seeded owner ${i + k}`,
        passwordHash: hash,
        role: 'owner',
        forceId: null,
        disabled: false,
        createdAt: new Date(),
        updatedAt: new Date(),
      }));
      await insertSeededUsers(users); // with their email keys, so they can sign in
      const docs = users.flatMap((u, k) =>
        props.slice((i + k) * 2, (i + k) * 2 + 2).map((p) => ({
          ownerId: u._id,
          address: p.address,
          lat: p.lat,
          lng: p.lng,
          cells: cellKeys(p.lat, p.lng),
          type: p.type,
          listingUrl: null,
          createdAt: new Date(),
          updatedAt: new Date(),
        })),
      );
      if (docs.length) await PropertyModel.collection.insertMany(docs, { ordered: false });
      bar.update(i + n);
    }
    bar.done(owners);
    await bumpPropertyVersion(); // running instances reload their property grid
  }

  // The map index follows the inserts and is saved as a snapshot, so the app starts on a million reports in
  // seconds instead of streaming them from the engine.
  const snap = await MapSnapshotSeed.open(logger);
  const bar = progressBar(reports, 'reports ');
  const started = Date.now();
  const generated = generateReports(reports, { seed, days, locator: s.forces.locator });
  const withIds = (function* () {
    for (const r of generated) {
      (r as typeof r & { _id: Types.ObjectId })._id = reportIdFor(r.reference);
      yield r as typeof r & { _id: Types.ObjectId };
    }
  })();
  const done = await insertReports(snap.track(withIds), {
    batchSize,
    concurrency: streams ?? (onFerretDb ? 2 : 4),
    onProgress: (n) => bar.update(n),
  });
  bar.done(done);
  console.log(
    `Inserted ${done.toLocaleString('en-GB')} reports in ${((Date.now() - started) / 1000).toFixed(1)} s (engine: ${engine.kind}).`,
  );
  const tSnap = Date.now();
  await snap.save();
  console.log(`Saved the map index snapshot in ${((Date.now() - tSnap) / 1000).toFixed(1)} s.`);
} catch (err) {
  console.error((err as Error).message);
  code = 1;
} finally {
  await disconnectDb();
  await engine.stop();
}
process.exit(code);
