import type { GeocodeResult } from '../../shared/schemas/geocode';

/** Finds places for what a person typed: a postcode (full or partial) or a town. */
export interface Geocoder {
  search(query: string, limit?: number): Promise<GeocodeResult[]>;
}

/** A UK postcode, full (`BN1 1AA`) or its outward part (`BN1`), any case and spacing. */
const POSTCODE = /^[A-Z]{1,2}\d[A-Z\d]?(\s*\d[A-Z]{2})?$/i;

interface PostcodeRecord {
  postcode: string;
  latitude: number | null;
  longitude: number | null;
  admin_district?: string | null;
}
interface PlaceRecord {
  name_1: string;
  latitude: number | null;
  longitude: number | null;
  county_unitary?: string | null;
  district_borough?: string | null;
}

/**
 * A postcodes.io-compatible API (https://postcodes.io, or a self-hosted copy): `GET /postcodes?q=` for postcodes
 * and `GET /places?q=` for towns and villages. Called from the server (the browser's CSP allows no third-party
 * API), with a timeout; a provider that fails or times out gives no results, and the map pin remains.
 */
export class PostcodesIoGeocoder implements Geocoder {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 4000,
  ) {}

  async search(query: string, limit = 5): Promise<GeocodeResult[]> {
    const q = query.trim().replace(/\s+/g, ' ');
    if (POSTCODE.test(q)) {
      const found = await this.get<PostcodeRecord[]>(`/postcodes?q=${encodeURIComponent(q)}&limit=${limit}`);
      return (found ?? [])
        .filter((p) => p.latitude !== null && p.longitude !== null)
        .map((p) => ({ label: [p.postcode, p.admin_district].filter(Boolean).join(', '), lat: p.latitude!, lng: p.longitude! }));
    }
    const places = await this.get<PlaceRecord[]>(`/places?q=${encodeURIComponent(q)}&limit=${limit}`);
    return (places ?? [])
      .filter((p) => p.latitude !== null && p.longitude !== null)
      .map((p) => ({
        label: [p.name_1, p.district_borough ?? p.county_unitary].filter(Boolean).join(', '),
        lat: p.latitude!,
        lng: p.longitude!,
      }));
  }

  private async get<T>(path: string): Promise<T | null> {
    const res = await fetch(this.baseUrl.replace(/\/+$/, '') + path, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`geocoder answered ${res.status}`);
    const body = (await res.json()) as { result?: T | null };
    return body.result ?? null;
  }
}

/** The configured provider, or null when none is set (GEOCODER_URL empty). */
export function geocoderFor(url: string | undefined): Geocoder | null {
  return url ? new PostcodesIoGeocoder(url) : null;
}
