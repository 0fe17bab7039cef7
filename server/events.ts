import type { Logger } from './logger';
import type { Report } from './reports/report.model';

/** A report as stored, with its id: what event listeners receive. */
export type StoredReport = Report & { _id: { toString(): string } };

export interface AppEvents {
  /** A new report was stored (public submission or generated). */
  'report.created': { report: StoredReport };
  /** A report changed (status, release, addendum, links...). `changes` names what changed. */
  'report.updated': { report: StoredReport; changes: string[]; byUserId: string | null };
  /** A report was deleted (retention). */
  'report.deleted': { reportId: string };
}

type Listener<K extends keyof AppEvents> = (payload: AppEvents[K]) => unknown;

/**
 * In-process events between features (reports → map index, alerts matching). Listeners run after the
 * write has been committed; a failing listener is logged and never fails the request. Other app
 * instances catch up by polling the report change log (map/change-log.ts), so nothing depends on every event
 * being seen.
 */
export class EventBus {
  private listeners = new Map<keyof AppEvents, Array<Listener<keyof AppEvents>>>();
  constructor(private readonly logger: Logger) {}

  on<K extends keyof AppEvents>(event: K, listener: Listener<K>): void {
    const list = this.listeners.get(event) ?? [];
    list.push(listener as Listener<keyof AppEvents>);
    this.listeners.set(event, list);
  }

  /** Runs every listener; resolves when all have settled. */
  async emit<K extends keyof AppEvents>(event: K, payload: AppEvents[K]): Promise<void> {
    const list = this.listeners.get(event) ?? [];
    await Promise.all(
      list.map(async (l) => {
        try {
          await l(payload);
        } catch (err) {
          this.logger.error({ err, event }, 'event listener failed');
        }
      }),
    );
  }
}
