import type { AuthContext } from '../server/accounts/session.types';
import { DEMO_FORCES } from '../server/demo/areas';
import { generateReports } from '../server/demo/generate';
import { polygonsFromGeoJson } from '../server/forces/geojson';
import { ForceLocator } from '../server/geo/force-locator';
import { EntityService } from '../server/entities/entities.service';
import { EntityIndex } from '../server/entities/entity-index';
import { packCsv, packHtml } from '../server/entities/pack';
import type { MapIndex } from '../server/map/map-index';
import { ReportIndex } from '../server/map/report-index';
import { type EntityMention, extractEntities } from '../shared/entities';
import { ReportCreate } from '../shared/schemas/reports';
import { appendResults, median, percentile } from './support';

/**
 * Linked intelligence at scale (issue 15 targets), in memory (entity reads never touch the database):
 * 1. extraction per report at ingest (≤ 0.2 ms) against validating the same report with its zod schema (work every
 *    ingest already does);
 * 2. entity lookup + linked-report list (≤ 5 ms) at N reports and ~200,000 entities, against scanning every report's
 *    stored mentions (what a query without the index does, before any I/O): random entities, and the hottest
 *    entity (the demo generator's "Dee line", in ~2.5% of reports) on its own;
 * 3. evidence pack of 1,000 reports (≤ 1 s), CSV and printable HTML.
 *
 *   npx tsx bench/entities.bench.ts [reports=1000000] [entities=200000]
 */

const N = Number(process.argv[2] ?? 1_000_000);
const E = Number(process.argv[3] ?? 200_000);
const PACK = 1_000;
const log = (m: string) => process.stderr.write(`${m}\n`);

const locator = new ForceLocator();
locator.replaceAll(DEMO_FORCES.map((f) => ({ id: f.id, polygons: polygonsFromGeoJson(f.area) })));
const now = new Date('2026-11-01T00:00:00Z');

/** Entity k written one of several ways a reporter might write it. */
function written(k: number, r: number): string {
  const kind = k % 3;
  if (kind === 0) {
    const n = String(k).padStart(9, '0');
    const forms = [`07${n}`, `+44 7${n.slice(0, 3)} ${n.slice(3)}`, `07${n.slice(0, 3)} ${n.slice(3)}`, `(0)7${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6)}`];
    return `text ${forms[r % forms.length]}`;
  }
  if (kind === 1) {
    const L = 'ABCDEFGHJKLMNPRSTVWXY';
    const a = (i: number) => L[Math.floor(k / L.length ** i) % L.length];
    return `car ${a(0)}${a(1)}${String(k % 100).padStart(2, '0')} ${a(2)}${a(3)}${a(4)}`;
  }
  return `https://www.airbnb.${r % 2 ? 'com' : 'co.uk'}/rooms/${1_000_000 + k}${r % 3 ? '?adults=2' : ''}`;
}

// ---------------------------------------------------------------- build: N reports, E entities, extraction timed
log(`generating ${N} reports, ${E} entities...`);
const ix = new ReportIndex(Math.ceil(N * 1.05));
const entities = new EntityIndex();
/** Every report's stored mentions, as the reports collection holds them (for the scan baseline). */
const stored: Array<EntityMention[] | undefined> = new Array(N);
const ids: string[] = new Array(N);
let seq = 0;
let extractUs = 0;
let mentioned = 0;
const chunkUs: number[] = [];
const BIG = 'BIG';
let bigLeft = PACK;
const gen = generateReports(N, { seed: 11, locator, now });
for (let i = 0; i < N; ) {
  let chunkN = 0;
  const chunkStart = i;
  const texts: string[] = [];
  const times: Array<[number, number]> = [];
  for (; i < N && chunkN < 10_000; i++, chunkN++) {
    const r = gen.next().value!;
    const id = (++seq).toString(16).padStart(24, '0');
    ids[i] = id;
    let description = r.description;
    // The first E mentioning reports name each entity once; then every 4th report names a popular one (skewed).
    if (i < E * 2 && i % 2 === 0) description += ` ${written(i / 2, i)}`;
    else if (i % 4 === 1) description += ` ${written(Math.floor(E * Math.random() ** 2), i)}`;
    if (bigLeft > 0 && i % 997 === 3) {
      description += ' the BIG line 07999 000111';
      bigLeft--;
    }
    texts.push(description);
    times.push([r.observedFrom.getTime(), r.createdAt.getTime()]);
    ix.append({ ...r, _id: id });
  }
  // Extraction alone, timed per chunk (the generator's work is not counted).
  const t1 = performance.now();
  const out: EntityMention[][] = texts.map((description) => extractEntities({ description }));
  const ms = performance.now() - t1;
  extractUs += ms * 1000;
  chunkUs.push((ms * 1000) / texts.length);
  out.forEach((m, k) => {
    if (m.length) {
      stored[chunkStart + k] = m;
      entities.set(ids[chunkStart + k]!, m, times[k]![0], times[k]![1]);
      mentioned++;
    }
  });
}
ix.sortSpatially();
log(`built: ${ix.size} reports, ${entities.entityCount} entities, ${mentioned} reports mentioning one`);

const admin = { user: { id: 'bench', email: 'b@x', name: 'Bench', role: 'police_admin', forceId: null } } as unknown as AuthContext;
const svc = new EntityService({ mapIndex: { index: ix } as unknown as MapIndex, entities });
const hotKey = 'line:dee';
const newest = entities.idOf(entities.listOf(hotKey).rids[entities.countOf(hotKey) - 1]!);
for (let q = 0; q < 3000; q++) {
  let t = performance.now();
  svc.detail(admin, hotKey, { limit: 1 });
  const a = performance.now() - t;
  t = performance.now();
  svc.detail(admin, hotKey);
  const b = performance.now() - t;
  t = performance.now();
  let c = 0; const list = entities.listOf(hotKey);
  for (let i = 0; i < list.n; i++) c += entities.slotIn(ix, list.rids[i]!);
  const d = performance.now() - t;
  if (q % 500 === 0) log(`detail ${a.toFixed(2)} links ${b.toFixed(2)} slots ${d.toFixed(3)} ${c}`);
}
log(JSON.stringify(entities.mentionsOf(newest)));
