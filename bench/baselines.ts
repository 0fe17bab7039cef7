import { type IndexedSubscription, matches, reportCell, type SubscriptionIndex } from '../server/alerts/subscription-index';
import type { FilterInput, ReportIndex } from '../server/map/report-index';

/**
 * Baselines the benchmarks (and the tests that compare against them) measure the real code with.
 * They live here, not in the production classes.
 */

/** The naive map answer: every matching report in the view as a GeoJSON Point (as Ushahidi does). */
export function naiveFeatures(ix: ReportIndex, f: FilterInput): { type: 'FeatureCollection'; features: unknown[] } {
  const slots = ix.select(ix.compile(f));
  const features = new Array(slots.length);
  for (let k = 0; k < slots.length; k++) {
    const i = slots[k]!;
    features[k] = {
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [ix.lng[i], ix.lat[i]] },
      properties: {
        id: ix.idAt(i),
        reference: ix.referenceAt(i),
        priority: ix.priorityAt(i),
        status: ix.statusAt(i),
        propertyType: ix.typeAt(i),
        indicators: ix.indicatorsAt(i),
        observedFrom: new Date(ix.fromMs[i]!).toISOString(),
        observedTo: new Date(ix.toMs[i]!).toISOString(),
      },
    };
  }
  return { type: 'FeatureCollection', features };
}

/** Alert matching without the index: test every subscription. */
export function matchPointLinear(index: SubscriptionIndex, lat: number, lng: number): IndexedSubscription[] {
  const cell = reportCell(lat, lng);
  return index.all().filter((sub) => matches(sub, lat, lng, cell));
}

/**
 * Runs `fn` with the report index's slot bitmaps switched off: every slot in view is tested.
 * (Shadows the private `bitmapPlan` on this instance only, for the duration of `fn`.)
 */
export function withoutBitmaps<T>(ix: ReportIndex, fn: () => T): T {
  const inner = ix as unknown as { bitmapPlan?: () => null };
  inner.bitmapPlan = () => null;
  try {
    return fn();
  } finally {
    delete inner.bitmapPlan;
  }
}
