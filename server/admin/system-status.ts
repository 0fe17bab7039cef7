import type { SystemStatus } from '../../shared/schemas/admin';
import { DeliveryWorkModel } from '../alerts/delivery.model';
import { dbInfo } from '../db/connection';
import type { MapIndex } from '../map/map-index';
import { readHead } from '../map/snapshot';
import { readFailures } from './outbox-failures';

/** Work items counted at most per sample (the outbox is drained continuously; more than this is "at least"). */
const OUTBOX_SAMPLE_MAX = 10_000;
const SAMPLE_EVERY_MS = 30_000;

interface OutboxSample {
  waiting: number;
  overdue: number;
  oldestDueAt: Date | null;
  sampledAt: Date;
}

const SOURCES: Record<string, SystemStatus['db']['source']> = { external: 'uri', mongod: 'mongod', ferretdb: 'ferretdb' };

/**
 * The admin's system status, answered without scanning anything on the request: the database's build info (a
 * command, no collection), the outbox depth from a background count of its work items (a small collection the
 * workers scan anyway), failed deliveries from their log (outbox-failures.ts), the map index's lag from memory and
 * the newest snapshot's head (one read by `_id`).
 */
export class SystemStatusService {
  private outbox: OutboxSample | null = null;

  constructor(private readonly deps: { engineKind: string; mapIndex: MapIndex }) {}

  /** Background only: counts the outbox's work items (bounded) and keeps the answer in memory. */
  async sampleOutbox(now = new Date()): Promise<void> {
    const work = await DeliveryWorkModel.find({}, { dueAt: 1 }).limit(OUTBOX_SAMPLE_MAX).lean();
    let oldest: Date | null = null;
    let overdue = 0;
    for (const w of work) {
      const due = new Date(w.dueAt);
      if (!oldest || due < oldest) oldest = due;
      if (now.getTime() - due.getTime() > 60_000) overdue += 1;
    }
    this.outbox = { waiting: work.length, overdue, oldestDueAt: oldest, sampledAt: now };
  }

  /** Samples now and every 30 s; returns a stopper. */
  startBackground(onError: (err: unknown, task: string) => void): () => void {
    const sample = () => this.sampleOutbox().catch((err) => onError(err, 'outbox-sample'));
    void sample();
    const t = setInterval(sample, SAMPLE_EVERY_MS);
    t.unref();
    return () => clearInterval(t);
  }

  async status(now = new Date()): Promise<SystemStatus> {
    const db = await dbInfo().then(
      (info) => ({ engine: info.engine, version: info.version, reachable: true }),
      () => ({ engine: null, version: null, reachable: false }),
    );
    const [failures, head] = db.reachable ? await Promise.all([readFailures(5), readHead()]) : [{ count: 0, recent: [] }, null];
    const o = this.outbox;
    return {
      db: { source: SOURCES[this.deps.engineKind] ?? 'unknown', ...db },
      outbox: {
        waiting: o?.waiting ?? null,
        overdue: o?.overdue ?? null,
        oldestDueAt: o?.oldestDueAt?.toISOString() ?? null,
        sampledAt: o?.sampledAt.toISOString() ?? null,
        failed: failures.count,
        recentFailures: failures.recent.map((f) => ({
          at: new Date(f.at).toISOString(),
          kind: f.kind,
          attempt: f.attempt,
          error: f.error,
        })),
      },
      mapIndex: this.deps.mapIndex.status(now.getTime()),
      snapshot: head
        ? {
            at: head.at.toISOString(),
            reports: head.reports,
            bytes: head.bytes,
            ageMs: Math.max(0, now.getTime() - head.at.getTime()),
          }
        : null,
      uptimeSeconds: Math.round(process.uptime()),
    };
  }
}
