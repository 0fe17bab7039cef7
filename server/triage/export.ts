import { once } from 'node:events';
import { stringify } from 'csv-stringify';
import type { Response } from 'express';
import { EXPORT_COLUMNS, INDICATOR_COLUMNS } from '../../shared/schemas/police';
import { INDICATOR_IDS, PROPERTY_TYPES, REPORTER_ROLES } from '../../shared/taxonomy';
import { ukDateKey, ukIsoWithOffset, ukMonthKey } from '../../shared/time';
import type { ReportIndex } from '../map/report-index';

type Row = Record<(typeof EXPORT_COLUMNS)[number], string | number>;

const TYPE_LABEL = new Map<string, string>(PROPERTY_TYPES.map((t) => [t.id, t.label]));
const ROLE_LABEL = new Map<string, string>(REPORTER_ROLES.map((r) => [r.id, r.label]));

/** One export row (columns and meanings in the README's data dictionary). */
export function exportRow(ix: ReportIndex, slot: number, forceName: (id: string) => string): Row {
  const from = ix.fromMs[slot]!;
  const type = ix.typeAt(slot);
  const role = ix.roleAt(slot);
  const force = forceName(ix.forceAt(slot));
  const row = {
    ID: ix.referenceAt(slot),
    Month: ukMonthKey(from),
    'Reported by': force,
    'Falls within': force,
    Longitude: ix.lng[slot]!,
    Latitude: ix.lat[slot]!,
    Location: ix.addressAt(slot) ?? '',
    'Property type': TYPE_LABEL.get(type) ?? type,
    'Reporter role': ROLE_LABEL.get(role) ?? role,
    Priority: ix.priorityAt(slot),
    Status: ix.statusAt(slot),
    'Reported at': ukIsoWithOffset(ix.createdMs[slot]!),
    'Observed from': ukIsoWithOffset(from),
    'Observed to': ukIsoWithOffset(ix.toMs[slot]!),
  } as Row;
  const seen = new Set(ix.indicatorsAt(slot));
  INDICATOR_IDS.forEach((id, k) => {
    row[INDICATOR_COLUMNS[k]!] = seen.has(id) ? 1 : 0;
  });
  return row;
}

async function write(res: Response, chunk: string): Promise<void> {
  if (!res.write(chunk)) await once(res, 'drain');
}

/**
 * Streams the selected reports from the in-memory index (the same selection the list pages
 * through), so a million-row export never waits on the database.
 */
export async function streamExport(
  res: Response,
  opts: { format: 'csv' | 'geojson'; ix: ReportIndex; slots: number[]; forceName: (id: string) => string },
): Promise<number> {
  const { format, ix, slots, forceName } = opts;
  const stamp = ukDateKey(Date.now());
  res.status(200);
  res.setHeader('X-Total-Count', String(slots.length));
  res.setHeader('Access-Control-Expose-Headers', 'X-Total-Count');
  if (format === 'csv') {
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="staywatch-reports-${stamp}.csv"`);
    // Text starting with = + - @ (or a tab/CR) is prefixed with ' so a spreadsheet shows it instead of running it;
    // numbers (negative longitudes) are written as they are.
    const csv = stringify({ header: true, columns: [...EXPORT_COLUMNS], escape_formulas: true });
    csv.pipe(res);
    for (const slot of slots) {
      if (!csv.write(exportRow(ix, slot, forceName))) await once(csv, 'drain');
    }
    csv.end();
    await once(res, 'finish');
    return slots.length;
  }
  res.setHeader('Content-Type', 'application/geo+json; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="staywatch-reports-${stamp}.geojson"`);
  await write(res, '{"type":"FeatureCollection","features":[\n');
  let written = 0;
  let buf = '';
  for (const slot of slots) {
    const feature = {
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [ix.lng[slot]!, ix.lat[slot]!] },
      properties: { ...exportRow(ix, slot, forceName), id: ix.idAt(slot) },
    };
    buf += (written ? ',\n' : '') + JSON.stringify(feature);
    written++;
    if (buf.length > 65_536) {
      await write(res, buf);
      buf = '';
    }
  }
  res.end(`${buf}\n]}\n`);
  await once(res, 'finish');
  return written;
}
