import { DEMO_FORCES } from '../server/demo/areas';
import { generateReports } from '../server/demo/generate';
import { EntityIndex } from '../server/entities/entity-index';
import { entityMatcher } from '../server/entities/entity-search';
import { polygonsFromGeoJson } from '../server/forces/geojson';
import { ForceLocator } from '../server/geo/force-locator';
import { ReportIndex } from '../server/map/report-index';
import { reportIdFor } from '../server/reports/report-id';
import { addressSearchOf, addressWords } from '../server/triage/address-search';
import { normaliseReference, searchReports } from '../server/triage/search';
import { type EntityMention, extractEntities, keyFromQuery } from '../shared/entities';
import { appendResults, median, percentile } from './support';

/**
 * The workspace's one search box (GET /api/reports/search, server/triage/search.ts) at N reports, in memory as the
 * route runs it: every matcher (reference, address words, linked entity) on every query, results ranked and
 * presented. Three kinds of query, each against a baseline measured in the same run: a scan of every report doing
 * the same match without the indexes (the reference compared slot by slot, the address split into words per
 * report, each report's stored entity mentions read), which is what a search over the reports would cost before
 * any I/O.
 *
 *   npm run bench:search -- [reports=1000000] [queries=1000]
 */

const N = Number(process.argv[2] ?? 1_000_000);
const Q = Number(process.argv[3] ?? 1_000);
const WARM = 100;
const SCAN_RUNS = 5;
const log = (m: string) => process.stderr.write(`${m}\n`);

const locator = new ForceLocator();
locator.replaceAll(DEMO_FORCES.map((f) => ({ id: f.id, polygons: polygonsFromGeoJson(f.area) })));
const now = new Date('2026-11-01T00:00:00Z');

/** Phone k as a reporter might write it in a description (four formats). */
function phoneIn(k: number, r: number): string {
  const n = String(k).padStart(9, '0');
  const forms = [`07${n}`, `+44 7${n.slice(0, 3)} ${n.slice(3)}`, `07${n.slice(0, 3)} ${n.slice(3)}`, `(0)7${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6)}`];
  return forms[r % forms.length]!;
}
/** The same phone typed into the search box another way. */
const phoneTyped = (k: number) => {
  const n = String(k).padStart(9, '0');
  return `+44 (0)7${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`;
};

// ---------------------------------------------------------------- build: N reports, a phone in every 4th description
log(`generating ${N} reports...`);
const PHONES = Math.max(1, Math.floor(N / 20));
const ix = new ReportIndex(Math.ceil(N * 1.05));
const entities = new EntityIndex();
/** Every report's stored mentions, as the reports collection holds them (for the entity scan baseline). */
const stored: Array<EntityMention[] | undefined> = new Array(N);
const references: string[] = new Array(N);
const phoneOf: number[] = [];
let t0 = performance.now();
const gen = generateReports(N, { seed: 17, locator, now });
for (let i = 0; i < N; i++) {
  const r = gen.next().value!;
  const id = reportIdFor(r.reference).toHexString();
  references[i] = r.reference;
  if (i % 4 === 1) {
    const k = Math.floor(PHONES * Math.random() ** 2);
    const mentions = extractEntities({ description: `${r.description} text ${phoneIn(k, i)}` });
    if (mentions.length) {
      stored[i] = mentions;
      entities.set(id, mentions);
      phoneOf.push(k);
    }
  }
  ix.append({ ...r, _id: id });
}
ix.sortSpatially();
const buildMs = performance.now() - t0;
t0 = performance.now();
addressSearchOf(ix);
const addressBuildMs = performance.now() - t0;
log(`built: ${ix.size} reports, ${ix.addresses.length} distinct addresses, ${entities.entityCount} entities`);

const matchers = [entityMatcher(entities)];
const randomSlot = () => Math.floor(Math.random() * ix.n);

/** A query as an officer types it, per kind. */
function queryOf(kind: Kind): string {
  if (kind === 'reference') return references[Math.floor(Math.random() * N)]!.toLowerCase().replace(/-/g, ' ');
  if (kind === 'entity') return phoneTyped(phoneOf[Math.floor(Math.random() * phoneOf.length)]!);
  // Address: the house number and the first word of the street of a report with an address ("14 marine").
  for (;;) {
    const a = ix.addressAt(randomSlot());
    if (a) return addressWords(a).slice(0, 2).join(' ');
  }
}
type Kind = 'reference' | 'address' | 'entity';

// ---------------------------------------------------------------- baselines: the same match by scanning every report
function scan(kind: Kind, q: string): number {
  let found = 0;
  if (kind === 'reference') {
    const ref = normaliseReference(q);
    for (let s = 0; s < ix.n; s++) if (ix.alive[s] && ix.referenceAt(s) === ref) found++;
  } else if (kind === 'address') {
    const words = addressWords(q);
    for (let s = 0; s < ix.n; s++) {
      if (!ix.alive[s]) continue;
      const a = ix.addressAt(s);
      if (!a) continue;
      const have = addressWords(a);
      if (words.every((w) => have.some((x) => x.startsWith(w)))) found++;
    }
  } else {
    const key = keyFromQuery(q);
    for (let i = 0; i < N; i++) {
      const m = stored[i];
      if (m) for (const x of m) if (x.key === key) found++;
    }
  }
  return found;
}

interface Row {
  kind: Kind;
  p50: number;
  p95: number;
  p99: number;
  hits: number;
  scanMs: number;
  scanHits: number;
}
const rows: Row[] = [];
for (const kind of ['reference', 'address', 'entity'] as const) {
  const ms: number[] = [];
  let hits = 0;
  for (let k = 0; k < Q + WARM; k++) {
    const q = queryOf(kind);
    const t = performance.now();
    const res = await searchReports(ix, null, q, 20, matchers);
    const dt = performance.now() - t;
    if (k >= WARM) {
      ms.push(dt);
      hits += res.items.length;
    }
    if (kind !== 'address' && res.items[0]?.matchedBy !== kind) throw new Error(`${kind} query ${q} found ${res.items[0]?.matchedBy}`);
  }
  ms.sort((a, b) => a - b);
  const scanMs: number[] = [];
  let scanHits = 0;
  for (let run = 0; run < SCAN_RUNS; run++) {
    const q = queryOf(kind);
    const t = performance.now();
    scanHits += scan(kind, q);
    scanMs.push(performance.now() - t);
  }
  rows.push({
    kind,
    p50: percentile(ms, 50),
    p95: percentile(ms, 95),
    p99: percentile(ms, 99),
    hits: hits / Q,
    scanMs: median(scanMs),
    scanHits: scanHits / SCAN_RUNS,
  });
  log(`${kind}: p50 ${percentile(ms, 50).toFixed(3)} ms, scan ${median(scanMs).toFixed(0)} ms`);
}

const f = (x: number, d = 3) => x.toFixed(d);
const LABEL: Record<Kind, string> = {
  reference: 'Reference typed in lower case with spaces (`sw 7k3p 9qxd`)',
  address: 'Address: house number + street word prefixes (`14 marine`)',
  entity: 'Linked entity: a phone typed another way than in the report (`+44 (0)7… … …`)',
};
const body = `
${N.toLocaleString('en-GB')} generated reports (demo generator, seed 17), ${ix.addresses.length.toLocaleString('en-GB')} distinct addresses, ${entities.entityCount.toLocaleString('en-GB')} phone numbers mentioned in ${phoneOf.length.toLocaleString('en-GB')} descriptions (four formats, popular ones skewed). Index build ${f(buildMs / 1000, 1)} s (generation included); address word index ${f(addressBuildMs, 0)} ms (once, then on growth). Each query runs every matcher and presents up to 20 results, as the route does (admin: every force). ${Q.toLocaleString('en-GB')} queries per kind after ${WARM} warm-up; the baseline scan is the median of ${SCAN_RUNS}.

| Query | Search p50 / p95 / p99 | Results (mean) | Baseline: scan of every report (median) | Ratio scan / p95 |
| --- | --- | --- | --- | --- |
${rows
  .map(
    (r) =>
      `| ${LABEL[r.kind]} | ${f(r.p50)} / ${f(r.p95)} / ${f(r.p99)} ms | ${f(r.hits, 1)} | ${f(r.scanMs, 0)} ms (${f(r.scanHits, 1)} matches) | ${f(r.scanMs / r.p95, 0)}× |`,
  )
  .join('\n')}
`;
process.stdout.write(body);
appendResults('Workspace search box (reference, address, entity)', `npm run bench:search -- ${N} ${Q}`, body);
