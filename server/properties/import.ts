import { PropertyCreate, type PropertyImportBody, type PropertyImportResult } from '../../shared/schemas/alerts';
import type { GeocodeResult } from '../../shared/schemas/geocode';
import { PROPERTY_TYPES, type PropertyType } from '../../shared/taxonomy';
import type { Geocoder } from '../geo/geocoder';
import { HttpError } from '../http/errors';
import type { PropertyService } from './properties.service';

/** Column names accepted for each field (as shared/csv.ts `csvKey` writes them). */
const COLUMNS = {
  address: ['address', 'propertyaddress', 'addressline'],
  postcode: ['postcode', 'postalcode', 'zip'],
  lat: ['lat', 'latitude'],
  lng: ['lng', 'lon', 'long', 'longitude'],
  type: ['type', 'propertytype', 'kind'],
  listingUrl: ['listingurl', 'listing', 'url', 'link'],
} as const;

const pick = (values: Record<string, string>, names: readonly string[]) =>
  names.map((n) => values[n]?.trim()).find((v) => v !== undefined && v !== '') ?? '';

/** `S`, `short-let`, `Short-let, holiday let or second home`, `hotel`... → a property type id. */
export function propertyTypeOf(input: string): PropertyType | null {
  const s = input.trim().toLowerCase();
  if (!s) return null;
  const byId = PROPERTY_TYPES.find((t) => t.id.toLowerCase() === s);
  if (byId) return byId.id;
  const words = s
    .replace(/[^a-z ]/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
  const found = PROPERTY_TYPES.find((t) => {
    const label = t.label.toLowerCase().replace(/[^a-z ]/g, ' ');
    return words.length > 0 && words.every((w) => label.includes(w));
  });
  return found?.id ?? null;
}

const reason = (err: unknown) => (err instanceof HttpError ? err.message : 'Could not be saved; try this row again');

/**
 * Imports one batch of a CSV file's rows as the caller's properties, row by row: each row is created or rejected
 * with a message naming what is wrong. A row without coordinates is placed by its postcode through the geocoder.
 */
export async function importProperties(
  deps: { properties: PropertyService; geocoder: Geocoder | null },
  ownerId: string,
  body: PropertyImportBody,
): Promise<PropertyImportResult> {
  const result: PropertyImportResult = { created: [], rejected: [] };
  // One geocoder call per postcode in the batch: an agency's file often lists several flats of one building.
  const placed = new Map<string, Promise<GeocodeResult[] | null>>();
  const place = (geocoder: Geocoder, postcode: string) => {
    const key = postcode.toUpperCase().replace(/\s+/g, '');
    let found = placed.get(key);
    if (!found) {
      found = geocoder.search(postcode, 1).catch(() => null);
      placed.set(key, found);
    }
    return found;
  };
  for (const { line, values } of body.rows) {
    const reject = (message: string) => result.rejected.push({ line, message });
    const postcode = pick(values, COLUMNS.postcode);
    let address = pick(values, COLUMNS.address);
    if (postcode && !address.toLowerCase().replace(/\s/g, '').includes(postcode.toLowerCase().replace(/\s/g, ''))) {
      address = address ? `${address}, ${postcode.toUpperCase()}` : '';
    }
    if (!address) {
      reject('The address is missing');
      continue;
    }
    const typeText = pick(values, COLUMNS.type);
    const type = propertyTypeOf(typeText);
    if (!type) {
      reject(typeText ? `Unknown property type "${typeText.slice(0, 60)}"` : 'The property type is missing');
      continue;
    }
    const latText = pick(values, COLUMNS.lat);
    const lngText = pick(values, COLUMNS.lng);
    let lat = Number(latText);
    let lng = Number(lngText);
    if (!latText || !lngText) {
      if (!postcode) {
        reject('Give a postcode or the latitude and longitude');
        continue;
      }
      if (!deps.geocoder) {
        reject('Give the latitude and longitude: this StayWatch has no postcode finder');
        continue;
      }
      const found = await place(deps.geocoder, postcode);
      if (!found) {
        reject('The postcode finder is not answering; try again later or give the latitude and longitude');
        continue;
      }
      if (!found[0]) {
        reject(`Postcode "${postcode.slice(0, 20)}" was not found`);
        continue;
      }
      ({ lat, lng } = found[0]);
    }
    const listingUrl = pick(values, COLUMNS.listingUrl);
    const parsed = PropertyCreate.safeParse({ address, lat, lng, type, ...(listingUrl ? { listingUrl } : {}) });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      reject(`${String(issue.path[0] ?? 'row')}: ${issue.message}`);
      continue;
    }
    try {
      const created = await deps.properties.create(ownerId, parsed.data);
      result.created.push({ line, id: String(created._id), address: created.address });
    } catch (err) {
      reject(reason(err));
    }
  }
  return result;
}
