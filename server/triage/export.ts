import { once } from 'node:events';
import { stringify } from 'csv-stringify';
import type { Response } from 'express';
import type { Types } from 'mongoose';
import { EXPORT_COLUMNS } from '../../shared/schemas/police';
import { PROPERTY_TYPES, REPORTER_ROLES } from '../../shared/taxonomy';
import type { ReportIndex } from '../map/report-index';
import { type Report, ReportModel } from '../reports/report.model';
import { loadByIds } from './triage.service';

type Lean = Report & { _id: Types.ObjectId };
type Row = Record<(typeof EXPORT_COLUMNS)[number], string | number>;

const TYPE_LABEL = new Map<string, string>(PROPERTY_TYPES.map((t) => [t.id, t.label]));
const ROLE_LABEL = new Map<string, string>(REPORTER_ROLES.map((r) => [r.id, r.label]));

/** One export row, police.uk-like: ID, Month, Reported by, Falls within, Longitude, Latitude, Location, Type, Status, Context. */
export function exportRow(r: Lean, forceName: (id: string) => string): Row {
  return {
    ID: r.reference,
    Month: new Date(r.observedFrom).toISOString().slice(0, 7),
    'Reported by': ROLE_LABEL.get(r.reporterRole) ?? r.reporterRole,
    'Falls within': forceName(r.forceId),
    Longitude: r.lng,
    Latitude: r.lat,
    Location: r.address ?? '',
    Type: `${r.propertyType}: ${TYPE_LABEL.get(r.propertyType) ?? ''}`,
    Status: r.status,
    Context: `${r.priority}; indicators ${r.indicators.join(' ')}; observed ${new Date(r.observedFrom).toISOString()} to ${new Date(r.observedTo).toISOString()}`,
  };
}

const EXPORT_PROJECTION = {
  reference: 1,
  observedFrom: 1,
  observedTo: 1,
  reporterRole: 1,
  forceId: 1,
  lat: 1,
  lng: 1,
  address: 1,
  propertyType: 1,
  status: 1,
  priority: 1,
  indicators: 1,
} as const;

/**
 * Yields the selected reports' documents. Small selections are fetched by `_id` in queue order;
 * large ones stream the collection once and keep the selected documents (an `_id` lookup per row
 * would be far slower than one scan on engines that index nothing else).
 */
async function* selectedDocs(ix: ReportIndex, slots: number[], byIdMax = 5000): AsyncGenerator<Lean> {
  if (slots.length <= byIdMax) {
    for (let k = 0; k < slots.length; k += 200) {
      const ids = slots.slice(k, k + 200).map((s) => ix.idAt(s));
      const docs = await loadByIds(ids);
      for (const id of ids) {
        const d = docs.get(id);
        if (d) yield d;
      }
    }
    return;
  }
  const chosen = new Uint8Array(ix.n);
  for (const s of slots) chosen[s] = 1;
  const cursor = ReportModel.collection.find({}, { projection: EXPORT_PROJECTION, batchSize: 5000 });
  for await (const doc of cursor) {
    const slot = ix.slotOf(String(doc._id));
    if (slot >= 0 && chosen[slot] === 1) yield doc as unknown as Lean;
  }
}

async function write(res: Response, chunk: string): Promise<void> {
  if (!res.write(chunk)) await once(res, 'drain');
}

export async function streamExport(
  res: Response,
  opts: { format: 'csv' | 'geojson'; ix: ReportIndex; slots: number[]; forceName: (id: string) => string },
): Promise<number> {
  const { format, ix, slots, forceName } = opts;
  const stamp = new Date().toISOString().slice(0, 10);
  res.status(200);
  res.setHeader('X-Total-Count', String(slots.length));
  res.setHeader('Access-Control-Expose-Headers', 'X-Total-Count');
  let written = 0;
  if (format === 'csv') {
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="staywatch-reports-${stamp}.csv"`);
    const csv = stringify({ header: true, columns: [...EXPORT_COLUMNS] });
    csv.pipe(res);
    for await (const d of selectedDocs(ix, slots)) {
      if (!csv.write(exportRow(d, forceName))) await once(csv, 'drain');
      written++;
    }
    csv.end();
    await once(res, 'finish');
    return written;
  }
  res.setHeader('Content-Type', 'application/geo+json; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="staywatch-reports-${stamp}.geojson"`);
  await write(res, '{"type":"FeatureCollection","features":[\n');
  for await (const d of selectedDocs(ix, slots)) {
    const feature = {
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [d.lng, d.lat] },
      properties: { ...exportRow(d, forceName), id: d._id.toString() },
    };
    await write(res, (written ? ',\n' : '') + JSON.stringify(feature));
    written++;
  }
  res.end('\n]}\n');
  await once(res, 'finish');
  return written;
}
