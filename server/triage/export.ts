import { once } from 'node:events';
import { stringify } from 'csv-stringify';
import type { Response } from 'express';
import { EXPORT_COLUMNS } from '../../shared/schemas/police';
import { PROPERTY_TYPES, REPORTER_ROLES } from '../../shared/taxonomy';
import type { ReportIndex } from '../map/report-index';

type Row = Record<(typeof EXPORT_COLUMNS)[number], string | number>;

const TYPE_LABEL = new Map<string, string>(PROPERTY_TYPES.map((t) => [t.id, t.label]));
const ROLE_LABEL = new Map<string, string>(REPORTER_ROLES.map((r) => [r.id, r.label]));

/**
 * One export row, police.uk-like: ID (reference), Month (of the observation start), Reported by
 * (reporter role), Falls within (force), Longitude, Latitude, Location (address), Type (property
 * type), Status, Context (priority, indicators, observation window).
 */
export function exportRow(ix: ReportIndex, slot: number, forceName: (id: string) => string): Row {
  const from = new Date(ix.fromMs[slot]!).toISOString();
  const to = new Date(ix.toMs[slot]!).toISOString();
  const type = ix.typeAt(slot);
  const role = ix.roleAt(slot);
  return {
    ID: ix.referenceAt(slot),
    Month: from.slice(0, 7),
    'Reported by': ROLE_LABEL.get(role) ?? role,
    'Falls within': forceName(ix.forceAt(slot)),
    Longitude: ix.lng[slot]!,
    Latitude: ix.lat[slot]!,
    Location: ix.addressAt(slot) ?? '',
    Type: `${type}: ${TYPE_LABEL.get(type) ?? ''}`,
    Status: ix.statusAt(slot),
    Context: `${ix.priorityAt(slot)}; indicators ${ix.indicatorsAt(slot).join(' ')}; observed ${from} to ${to}`,
  };
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
  const stamp = new Date().toISOString().slice(0, 10);
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
