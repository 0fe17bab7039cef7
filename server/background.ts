import { pruneRevisions } from './db/versioned';
import { backfillEntities } from './entities/backfill';
import { sweepRateLimits } from './http/rate-limit-store';
import type { Services } from './services';

/** Periodic work inside the server process: sweeps (sessions, rate limits, revisions), force-area reconcile. Returns a stopper. */
export function startBackground(s: Services): () => Promise<void> {
  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, name: string, fn: () => Promise<unknown>) => {
    const t = setInterval(() => {
      fn().catch((err) => s.logger.warn({ err, task: name }, 'background task failed'));
    }, ms);
    t.unref();
    timers.push(t);
  };
  every(5 * 60_000, 'session-sweep', () => s.sessions.sweep());
  every(5 * 60_000, 'rate-limit-sweep', () => sweepRateLimits(Math.max(s.config.rateLimits.windowMs, 60_000)));
  every(3_600_000, 'revision-sweep', () => pruneRevisions());
  every(3_600_000, 'retention', () => s.retention.runIfDue());
  every(30_000, 'force-reload', () => s.forces.reloadIfChanged());
  // Entity index: mentions of a snapshot that predates its section are streamed once (checked each minute).
  every(60_000, 'entity-backfill', () => backfillEntities(s.entityIndex, s.logger));
  void backfillEntities(s.entityIndex, s.logger).catch((err) =>
    s.logger.warn({ err, task: 'entity-backfill' }, 'background task failed'),
  );
  const stopMapIndex = s.mapIndex.startBackground((err, task) => s.logger.warn({ err, task }, 'background task failed'));
  const stopAlerts = s.alerts.startBackground();
  const stopProperties = s.properties.startBackground((err, task) => s.logger.warn({ err, task }, 'background task failed'));
  const stopSystem = s.system.startBackground((err, task) => s.logger.warn({ err, task }, 'background task failed'));
  // Resolves once the map index has flushed its change log and the alert worker has stored its results.
  return async () => {
    for (const t of timers) clearInterval(t);
    stopProperties();
    stopSystem();
    await Promise.all([stopMapIndex(), stopAlerts()]);
  };
}
