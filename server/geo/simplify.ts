import type { Point } from './polygon';

/** Squared distance from p to the segment a–b, in degrees² (longitude scaled by cos(latitude) for true shapes). */
function segmentDistance2(p: Point, a: Point, b: Point, k: number): number {
  const ax = a.lng * k;
  const bx = b.lng * k;
  const px = p.lng * k;
  let x = ax;
  let y = a.lat;
  const dx = bx - ax;
  const dy = b.lat - a.lat;
  if (dx !== 0 || dy !== 0) {
    const t = ((px - ax) * dx + (p.lat - a.lat) * dy) / (dx * dx + dy * dy);
    if (t > 1) {
      x = bx;
      y = b.lat;
    } else if (t > 0) {
      x += dx * t;
      y += dy * t;
    }
  }
  return (px - x) ** 2 + (p.lat - y) ** 2;
}

/**
 * Douglas–Peucker simplification of a ring, keeping every point further than `tolerance` degrees (of latitude)
 * from the simplified line. Iterative (no recursion limit on big rings); a ring never drops below 4 points.
 */
export function simplifyRing(points: Point[], tolerance: number): Point[] {
  if (points.length <= 4) return points.slice();
  const k = Math.cos((points[0]!.lat * Math.PI) / 180);
  const tol2 = tolerance * tolerance;
  const keep = new Uint8Array(points.length);
  keep[0] = 1;
  keep[points.length - 1] = 1;
  const stack: Array<[number, number]> = [[0, points.length - 1]];
  while (stack.length) {
    const [first, last] = stack.pop()!;
    let max = 0;
    let index = -1;
    for (let i = first + 1; i < last; i++) {
      const d = segmentDistance2(points[i]!, points[first]!, points[last]!, k);
      if (d > max) {
        max = d;
        index = i;
      }
    }
    if (index > 0 && max > tol2) {
      keep[index] = 1;
      stack.push([first, index], [index, last]);
    }
  }
  const out = points.filter((_, i) => keep[i]);
  // A closed ring whose first and last points coincide would collapse to a line: keep the farthest points too.
  return out.length >= 4 ? out : points.filter((_, i) => i % Math.ceil(points.length / 4) === 0 || i === points.length - 1);
}
