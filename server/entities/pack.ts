import { createHash } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { ENTITY_KIND_LABEL, type EntityKind } from '../../shared/entities';
import { INDICATORS, PROPERTY_TYPES } from '../../shared/taxonomy';
import { formatUkDateTime, ukIsoWithOffset } from '../../shared/time';
import type { ReportIndex } from '../map/report-index';
import { PlaceCounter } from './entities.service';

/**
 * The evidence pack for one entity (a deal line, a vehicle, a listing): every report the officer may see, with
 * dates and times in UK local time, places, property types, indicators, status and linked reports, as CSV or as a
 * printable HTML page with a summary at the top (first and last seen, number of reports, properties involved, and
 * the areas on a small inline SVG map). Built from memory: 1,000 reports take milliseconds.
 */

export interface PackInput {
  key: string;
  kind: EntityKind;
  label: string;
  ix: ReportIndex;
  /** Oldest first. */
  slots: number[];
  otherForce: boolean;
  forceName: (id: string) => string;
  /**
   * The other visible reports sharing another entity with this one ("AB12 CDE: SW-1 SW-2 (+3 more)"): reports linked
   * only by the pack's own entity are all in the pack, so they are not repeated.
   */
  linked: (slot: number) => string;
  /** How this report wrote the entity. */
  raw: (slot: number) => string;
  generatedBy: string;
  now?: number;
}

export const PACK_COLUMNS = [
  'Reference',
  'Observed from (UK time)',
  'Observed to (UK time)',
  'Reported at (UK time)',
  'Address',
  'Latitude',
  'Longitude',
  'Property type',
  'Indicators',
  'Priority',
  'Status',
  'Force',
  'Written as',
  'Linked reports',
] as const;

const TYPE_LABEL = new Map<string, string>(PROPERTY_TYPES.map((t) => [t.id, t.label]));
const IND_LABEL = new Map<number, string>(INDICATORS.map((i) => [i.id, i.label]));

function rows(p: PackInput): string[][] {
  const { ix } = p;
  return p.slots.map((s) => [
    ix.referenceAt(s),
    ukIsoWithOffset(ix.fromMs[s]!),
    ukIsoWithOffset(ix.toMs[s]!),
    ukIsoWithOffset(ix.createdMs[s]!),
    ix.addressAt(s) ?? '',
    ix.lat[s]!.toFixed(5),
    ix.lng[s]!.toFixed(5),
    TYPE_LABEL.get(ix.typeAt(s)) ?? ix.typeAt(s),
    ix
      .indicatorsAt(s)
      .map((i) => IND_LABEL.get(i) ?? String(i))
      .join('; '),
    ix.priorityAt(s),
    ix.statusAt(s),
    p.forceName(ix.forceAt(s)),
    p.raw(s),
    p.linked(s),
  ]);
}

export interface PackSummary {
  reports: number;
  firstSeen: number;
  lastSeen: number;
  properties: number;
}

export function packSummary(p: PackInput): PackSummary {
  const { ix, slots } = p;
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  const places = new PlaceCounter();
  for (const s of slots) {
    first = Math.min(first, ix.fromMs[s]!);
    last = Math.max(last, ix.fromMs[s]!);
    places.add(ix, s);
  }
  return { reports: slots.length, firstSeen: first, lastSeen: last, properties: places.size };
}

/** CSV, formulas escaped, one row per report, oldest first. */
export function packCsv(p: PackInput): string {
  return stringify([[...PACK_COLUMNS], ...rows(p)], { escape_formulas: true });
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The reports' positions as dots on a small SVG, scaled to their bounding box (no tiles: works printed and offline). */
function svgMap(p: PackInput): string {
  const { ix, slots } = p;
  const W = 480;
  const H = 300;
  const pad = 20;
  let minX = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const s of slots) {
    minX = Math.min(minX, ix.x[s]!);
    maxX = Math.max(maxX, ix.x[s]!);
    minY = Math.min(minY, ix.y[s]!);
    maxY = Math.max(maxY, ix.y[s]!);
  }
  const span = Math.max(maxX - minX, maxY - minY, 1e-6);
  const scale = Math.min((W - 2 * pad) / span, (H - 2 * pad) / span);
  const seen = new Map<string, { x: number; y: number; n: number }>();
  for (const s of slots) {
    const x = Math.round(pad + (ix.x[s]! - minX) * scale);
    const y = Math.round(pad + (ix.y[s]! - minY) * scale);
    const k = `${x},${y}`;
    const dot = seen.get(k) ?? { x, y, n: 0 };
    dot.n++;
    seen.set(k, dot);
  }
  const dots = [...seen.values()]
    .map(
      (d) =>
        `<circle cx="${d.x}" cy="${d.y}" r="${Math.min(14, 4 + 2 * Math.sqrt(d.n))}" fill="#b3261e" fill-opacity="0.6" stroke="#5c1410"/>`,
    )
    .join('');
  const kmAcross = (span * 40_075 * Math.cos(((ix.lat[slots[0]!] ?? 51) * Math.PI) / 180)).toFixed(1);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Where the reports are: ${seen.size} places, about ${kmAcross} km across"><rect width="${W}" height="${H}" fill="#eef2f5" stroke="#9aa5b1"/>${dots}<text x="${W - 8}" y="${H - 8}" text-anchor="end" font-size="11" fill="#334">about ${kmAcross} km across</text></svg>`;
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;color:#1b1f24;margin:24px;max-width:1100px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px}
.summary{display:flex;gap:24px;flex-wrap:wrap;align-items:flex-start}
dl{display:grid;grid-template-columns:max-content auto;gap:4px 16px;margin:0}dt{font-weight:600}dd{margin:0}
table{border-collapse:collapse;width:100%;font-size:12px}th,td{border:1px solid #c8cfd6;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eef2f5}.note{color:#4a5560;font-size:12px}
@media print{body{margin:0}a{color:inherit}tr{break-inside:avoid}}`;
/** The page's CSP allows exactly this stylesheet (its hash) and nothing else: no scripts, no remote loads. */
export const PACK_STYLE_HASH = `sha256-${createHash('sha256').update(STYLE).digest('base64')}`;

/** A printable HTML page: summary (first/last seen, reports, properties, map), then every report. */
export function packHtml(p: PackInput): string {
  const sum = packSummary(p);
  const head = PACK_COLUMNS.map((c) => `<th scope="col">${esc(c)}</th>`).join('');
  const body = rows(p)
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('\n');
  const generated = formatUkDateTime(p.now ?? Date.now());
  return `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Evidence pack: ${esc(p.label)}</title><style>${STYLE}</style></head>
<body><main>
<h1>Evidence pack: ${esc(ENTITY_KIND_LABEL[p.kind])} ${esc(p.label)}</h1>
<p class="note">StayWatch linked intelligence. Generated ${esc(generated)} by ${esc(p.generatedBy)}. Key <code>${esc(p.key)}</code>. Times are UK local time (GMT/BST).</p>
<h2>Summary</h2>
<div class="summary"><dl>
<dt>First seen</dt><dd>${esc(formatUkDateTime(sum.firstSeen))}</dd>
<dt>Last seen</dt><dd>${esc(formatUkDateTime(sum.lastSeen))}</dd>
<dt>Number of reports</dt><dd>${sum.reports}</dd>
<dt>Properties involved</dt><dd>${sum.properties}</dd>
${p.otherForce ? '<dt>Other forces</dt><dd>Also reported in another force area</dd>' : ''}
</dl>
${svgMap(p)}
</div>
<h2>Reports (${sum.reports}, oldest first)</h2>
<table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table>
</main></body></html>
`;
}
