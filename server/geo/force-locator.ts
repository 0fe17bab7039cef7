import { type BBox, bboxContains, bboxOf, type Polygon, pointInPolygon } from './polygon';

interface Entry {
  id: string;
  bbox: BBox;
  polygons: Array<{ bbox: BBox; polygon: Polygon }>;
}

/** Answers "which force contains this point": bounding boxes first, then point-in-polygon. */
export class ForceLocator {
  private entries: Entry[] = [];

  replaceAll(forces: Array<{ id: string; polygons: Polygon[] }>): void {
    this.entries = forces.map((f) => {
      const polygons = f.polygons.map((polygon) => ({
        polygon,
        bbox: bboxOf(polygon.outer),
      }));
      return {
        id: f.id,
        polygons,
        bbox: bboxOf(polygons.flatMap((p) => p.polygon.outer)),
      };
    });
  }

  locate(lat: number, lng: number): string | null {
    for (const e of this.entries) {
      if (!bboxContains(e.bbox, lat, lng)) continue;
      for (const p of e.polygons) {
        if (bboxContains(p.bbox, lat, lng) && pointInPolygon(lat, lng, p.polygon)) return e.id;
      }
    }
    return null;
  }

  has(id: string): boolean {
    return this.entries.some((e) => e.id === id);
  }

  ids(): string[] {
    return this.entries.map((e) => e.id);
  }
}
