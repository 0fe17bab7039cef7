import { degreesAround } from '../../shared/geo';
import type { PropertyType } from '../../shared/taxonomy';
import { distanceM, geohash } from '../geo/geohash';

export interface GridProperty {
  id: string;
  ownerId: string;
  lat: number;
  lng: number;
  type: PropertyType;
}

const CELL_PRECISION = 6; // ≈1.2 × 0.6 km

/** The cells (at CELL_PRECISION) that a circle of `radiusM` around the point can touch. */
function nearbyCells(lat: number, lng: number, radiusM: number): string[] {
  const { dLat, dLng } = degreesAround(lat, radiusM);
  const cells = new Set<string>();
  for (const a of [-dLat, 0, dLat]) for (const b of [-dLng, 0, dLng]) cells.add(geohash(lat + a, lng + b, CELL_PRECISION));
  return [...cells];
}

/** Registered properties in memory, bucketed by geohash cell: the nearest one of a type is a few map lookups. */
export class PropertyGrid {
  private readonly byId = new Map<string, GridProperty & { cell: string }>();
  private readonly cells = new Map<string, Map<string, GridProperty>>();

  get size(): number {
    return this.byId.size;
  }

  /** Every property in the grid (background repair of the owner lists). */
  *entries(): IterableIterator<GridProperty> {
    for (const { cell: _cell, ...p } of this.byId.values()) yield p;
  }

  put(p: GridProperty): void {
    this.remove(p.id);
    const cell = geohash(p.lat, p.lng, CELL_PRECISION);
    const entry = { ...p, cell };
    this.byId.set(p.id, entry);
    const bucket = this.cells.get(cell) ?? new Map<string, GridProperty>();
    bucket.set(p.id, entry);
    this.cells.set(cell, bucket);
  }

  remove(id: string): void {
    const entry = this.byId.get(id);
    if (!entry) return;
    this.byId.delete(id);
    const bucket = this.cells.get(entry.cell);
    bucket?.delete(id);
    if (bucket?.size === 0) this.cells.delete(entry.cell);
  }

  removeOwner(ownerId: string): void {
    for (const p of [...this.byId.values()]) if (p.ownerId === ownerId) this.remove(p.id);
  }

  /** The id of the nearest property of `type` within `radiusM`, or null. */
  nearest(lat: number, lng: number, type: PropertyType, radiusM: number): string | null {
    let best: { id: string; d: number } | null = null;
    for (const cell of nearbyCells(lat, lng, radiusM)) {
      for (const p of this.cells.get(cell)?.values() ?? []) {
        if (p.type !== type) continue;
        const d = distanceM(lat, lng, p.lat, p.lng);
        if (d <= radiusM && (!best || d < best.d)) best = { id: p.id, d };
      }
    }
    return best?.id ?? null;
  }
}
