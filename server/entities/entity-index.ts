import zlib from 'node:zlib';
import type { EntityKind, EntityMention, EntitySource } from '../../shared/entities';
import { kindOfKey } from '../../shared/entities';
import type { IndexFollower } from '../map/map-index';
import type { IndexRecord, ReportIndex } from '../map/report-index';

/** One report's mention of an entity as the index keeps it (the label lives once per entity). */
export interface HeldMention {
  key: string;
  raw: string;
  source: EntitySource;
  partial?: boolean;
}

const FORMAT = 1;

/**
 * Every entity mention of every report, in memory, kept like the map index (it follows MapIndex: every record the
 * map index applies, removes or replays reaches it, and it travels in the map index snapshot as its `entities`
 * section), so lookups never touch the reports collection:
 * - `byEntity`: entity key → ids of the reports mentioning it (insertion order);
 * - `byReport`: report id → its mentions;
 * - `sortedKeys`: every key in order, rebuilt lazily after changes, for prefix search.
 * Report facts (force, time, place, status) are read from the map index's ReportIndex by slot at query time, so a
 * report the map index no longer holds is never shown even if a mention of it lingers.
 */
export class EntityIndex implements IndexFollower {
  readonly name = 'entities';
  private byEntity = new Map<string, string[]>();
  private byReport = new Map<string, HeldMention[]>();
  private labels = new Map<string, string>();
  private sortedKeys: string[] | null = null;
  /** True when loaded from a snapshot without an entities section: a background backfill is due. */
  needsBackfill = false;

  get entityCount(): number {
    return this.byEntity.size;
  }
  get reportCount(): number {
    return this.byReport.size;
  }

  upsert(r: IndexRecord & { entities?: EntityMention[] | null }): void {
    const id = typeof r._id === 'string' ? r._id : r._id.toString();
    this.set(id, r.entities ?? []);
  }

  /** Replace one report's mentions (none: forget it). */
  set(id: string, mentions: readonly EntityMention[]): void {
    const had = this.byReport.get(id);
    if (had) {
      if (mentions.length === had.length && mentions.every((m, i) => m.key === had[i]!.key)) return;
      this.remove(id);
    }
    if (mentions.length === 0) return;
    const held: HeldMention[] = [];
    for (const m of mentions) {
      held.push({ key: m.key, raw: m.raw, source: m.source, ...(m.partial ? { partial: true } : {}) });
      if (!this.labels.has(m.key)) this.labels.set(m.key, m.label);
      const list = this.byEntity.get(m.key);
      if (list) list.push(id);
      else {
        this.byEntity.set(m.key, [id]);
        this.sortedKeys = null;
      }
    }
    this.byReport.set(id, held);
  }

  remove(id: string): void {
    const held = this.byReport.get(id);
    if (!held) return;
    this.byReport.delete(id);
    for (const m of held) {
      const list = this.byEntity.get(m.key);
      if (!list) continue;
      const k = list.indexOf(id);
      if (k >= 0) list.splice(k, 1);
      if (list.length === 0) {
        this.byEntity.delete(m.key);
        this.labels.delete(m.key);
        this.sortedKeys = null;
      }
    }
  }

  /** After a build: forget reports the new index does not hold (deleted while no event reached this instance). */
  retain(ix: ReportIndex): void {
    for (const id of [...this.byReport.keys()]) {
      const slot = ix.slotOf(id);
      if (slot < 0 || !ix.alive[slot]) this.remove(id);
    }
  }

  mentionsOf(reportId: string): readonly HeldMention[] {
    return this.byReport.get(reportId) ?? [];
  }
  reportsOf(key: string): readonly string[] {
    return this.byEntity.get(key) ?? [];
  }
  has(key: string): boolean {
    return this.byEntity.has(key);
  }
  labelOf(key: string): string {
    return this.labels.get(key) ?? key.slice(key.indexOf(':') + 1);
  }
  kindOf(key: string): EntityKind {
    return kindOfKey(key) ?? 'line';
  }

  /**
   * Keys starting with `prefix` (a normalised key prefix like `phone:+44770`, `vehicle:AB12`), in key order: a
   * binary search into the sorted keys, then a walk of at most `limit` matches.
   */
  keysWithPrefix(prefix: string, limit: number): string[] {
    this.sortedKeys ??= [...this.byEntity.keys()].sort();
    const keys = this.sortedKeys;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out: string[] = [];
    for (let i = lo; i < keys.length && out.length < limit && keys[i]!.startsWith(prefix); i++) out.push(keys[i]!);
    return out;
  }

  /** The snapshot section: every report's mentions and every label, as deflated JSON (captured synchronously). */
  encode(): Buffer {
    const reports: Array<[string, HeldMention[]]> = [...this.byReport];
    const json = JSON.stringify({ format: FORMAT, labels: [...this.labels], reports });
    return zlib.deflateRawSync(Buffer.from(json));
  }

  /** Replace everything with a snapshot section (null: the snapshot had none, so a backfill is due). */
  load(section: Buffer | null): void {
    this.byEntity = new Map();
    this.byReport = new Map();
    this.labels = new Map();
    this.sortedKeys = null;
    this.needsBackfill = section === null;
    if (!section) return;
    const data = JSON.parse(zlib.inflateRawSync(section).toString()) as {
      format: number;
      labels: Array<[string, string]>;
      reports: Array<[string, HeldMention[]]>;
    };
    if (data.format !== FORMAT) {
      this.needsBackfill = true;
      return;
    }
    this.labels = new Map(data.labels);
    for (const [id, held] of data.reports) {
      this.byReport.set(id, held);
      for (const m of held) {
        const list = this.byEntity.get(m.key);
        if (list) list.push(id);
        else this.byEntity.set(m.key, [id]);
      }
    }
  }

  /** Everything forgotten (a full stream rebuild follows and re-adds what exists). */
  clear(): void {
    this.load(Buffer.from(zlib.deflateRawSync(Buffer.from(JSON.stringify({ format: FORMAT, labels: [], reports: [] })))));
  }
}
