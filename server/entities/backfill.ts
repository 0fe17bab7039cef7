import type { Logger } from '../logger';
import { INDEX_PROJECTION, type IndexRecord } from '../map/report-index';
import { ReportModel } from '../reports/report.model';
import type { EntityIndex } from './entity-index';

/**
 * A background job (never on a request): when the map index loaded a snapshot without an entities section (one
 * written before entities existed), stream every report's mentions once, in batches, into the entity index.
 * Idempotent: a report changed meanwhile is upserted again by its event or the change log with the same mentions.
 */
export async function backfillEntities(entities: EntityIndex, logger: Logger): Promise<number> {
  if (!entities.needsBackfill) return 0;
  // Claimed for this run (a second timer tick finds nothing to do); given back if the stream fails.
  entities.needsBackfill = false;
  const t0 = performance.now();
  let n = 0;
  try {
    const cursor = ReportModel.collection.find({}, { projection: { ...INDEX_PROJECTION, entities: 1 }, batchSize: 5000 });
    for await (const doc of cursor) {
      if (doc.entities?.length) entities.upsert(doc as unknown as IndexRecord);
      n++;
    }
  } catch (err) {
    entities.needsBackfill = true;
    throw err;
  }
  logger.info({ reports: n, entities: entities.entityCount, ms: Math.round(performance.now() - t0) }, 'entity index backfilled');
  return n;
}
