import type { mongo } from 'mongoose';

/**
 * Records every command the driver sends (the MongoClient must be connected with `monitorCommands: true`),
 * and says what each one asks of the database: inserts, point filters (`{_id: <value>}`), or anything else.
 */

export interface RecordedCommand {
  seq: number;
  name: string;
  /** The collection it targets; null for database-level commands (hello, ping, buildInfo, listCollections...). */
  collection: string | null;
  command: mongo.Document;
  /** performance.now() when it was sent. */
  at: number;
}

/** Collections a request may read any way it likes, each with the reason it stays small. Every other collection grows with use. */
export const SMALL_COLLECTIONS: Readonly<Record<string, string>> = {
  forces: 'one document per police force (a few dozen), written only by a police_admin',
  propertyversions: 'one counter row (`_id: "properties"`) bumped after each property write',
  mapsnapshots: 'the map snapshot head, the change-log prune mark and snapshot leases: a handful of rows',
};

export const isGrowing = (collection: string) => !Object.hasOwn(SMALL_COLLECTIONS, collection);

/** Driver-level commands that read or write no collection's documents. */
const HOUSEKEEPING = new Set([
  'hello',
  'ismaster',
  'ping',
  'buildinfo',
  'endsessions',
  'getmore', // the rest of a find or aggregate, which is recorded itself
  'killcursors',
  'saslstart',
  'saslcontinue',
  'getparameter',
]);

/** Commands whose first field is the collection they act on. */
const ON_COLLECTION = new Set([
  'find',
  'insert',
  'update',
  'delete',
  'findandmodify',
  'aggregate',
  'count',
  'distinct',
  'collstats',
  'createindexes',
  'listindexes',
  'dropindexes',
  'drop',
  'create',
  'validate',
]);

export type AccessKind = 'insert' | 'point' | 'other';

/** One way a command selects documents: an insert, one filter of it, or the command as a whole. */
export interface Access {
  command: string;
  collection: string;
  kind: AccessKind;
  /** What selected the documents, readable: `find {"status":"new"}`, `aggregate [...]`, `collStats`. */
  what: string;
  /** The same with every value replaced by `?`, so one query sent with different values reads the same. */
  shape: string;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || isBsonValue(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function isBsonValue(v: unknown): v is { _bsontype: string } {
  return typeof v === 'object' && v !== null && typeof (v as { _bsontype?: unknown })._bsontype === 'string';
}

/**
 * A point filter is exactly `{_id: <ObjectId or string>}`: the one filter FerretDB's SQLite backend pushes down
 * to an index lookup. An operator object (`{_id: {$in: [...]}}`), a second key, or another value type is read
 * and filtered document by document.
 */
export function isPointFilter(filter: unknown): boolean {
  if (!isPlainObject(filter)) return false;
  const keys = Object.keys(filter);
  if (keys.length !== 1 || keys[0] !== '_id') return false;
  const v = filter._id;
  return typeof v === 'string' || (isBsonValue(v) && v._bsontype === 'ObjectId');
}

/** Compact text of a filter or pipeline, with BSON values spelt out and long arrays cut. */
export function show(value: unknown, max = 300): string {
  // `this[key]` is the value before toJSON (ObjectId and Date turn into bare strings there).
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key: string, after: unknown) {
    const v = key === '' ? value : this[key];
    if (v instanceof Date) return `Date(${after as string})`;
    if (isBsonValue(v)) {
      if (v._bsontype === 'ObjectId') return `ObjectId(${String(v)})`;
      return `${v._bsontype}(${String(v)})`;
    }
    if (v instanceof RegExp) return `/${v.source}/${v.flags}`;
    if (Array.isArray(v) && v.length > 5) return [...v.slice(0, 5), `… ${v.length - 5} more`];
    return after;
  });
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A filter or pipeline with its values replaced by `?` (operators and field names kept). */
export function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.some(isPlainObject) ? value.map(shapeOf) : ['?'];
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v)]));
  return '?';
}

/** What one recorded command does to which collection (nothing for housekeeping and database-level commands). */
export function accessesOf(c: RecordedCommand): Access[] {
  if (!c.collection) return [];
  const cmd = c.command;
  const at = (kind: AccessKind, what: string, shape = what): Access => ({
    command: c.name,
    collection: c.collection!,
    kind,
    what,
    shape,
  });
  const filtered = (filter: unknown, label = c.name): Access =>
    at(isPointFilter(filter) ? 'point' : 'other', `${label} ${show(filter ?? {})}`, `${label} ${show(shapeOf(filter ?? {}))}`);
  switch (c.name.toLowerCase()) {
    case 'insert':
      return [at('insert', 'insert')];
    case 'find':
      return [filtered(cmd.filter)];
    case 'findandmodify':
      return [filtered(cmd.query)];
    case 'count':
      return [filtered(cmd.query)];
    case 'distinct':
      return [filtered(cmd.query, `distinct ${String(cmd.key)}`)];
    case 'update':
      return ((cmd.updates as Array<{ q: unknown }> | undefined) ?? []).map((u) => filtered(u.q));
    case 'delete':
      return ((cmd.deletes as Array<{ q: unknown }> | undefined) ?? []).map((d) => filtered(d.q));
    case 'aggregate':
      // The rule allows point filters and inserts only; countDocuments() is an aggregate too.
      return [at('other', `aggregate ${show(cmd.pipeline)}`, `aggregate ${show(shapeOf(cmd.pipeline))}`)];
    default:
      return [at('other', c.name)];
  }
}

export class CommandMonitor {
  private readonly log: RecordedCommand[] = [];
  private readonly inFlight = new Set<number>();
  private lastActivity = performance.now();
  private seq = 0;
  private readonly onStarted = (e: mongo.CommandStartedEvent) => {
    this.lastActivity = performance.now();
    const name = e.commandName;
    const lower = name.toLowerCase();
    if (HOUSEKEEPING.has(lower)) return;
    this.inFlight.add(e.requestId);
    const target = e.command[name];
    const collection = ON_COLLECTION.has(lower) && typeof target === 'string' ? target : null;
    this.log.push({ seq: ++this.seq, name, collection, command: e.command, at: this.lastActivity });
  };
  private readonly onDone = (e: mongo.CommandSucceededEvent | mongo.CommandFailedEvent) => {
    this.lastActivity = performance.now();
    this.inFlight.delete(e.requestId);
  };

  constructor(private readonly client: mongo.MongoClient) {
    if (!client.options.monitorCommands) {
      throw new Error('The MongoClient was connected without monitorCommands: true, so it emits no command events');
    }
    client.on('commandStarted', this.onStarted);
    client.on('commandSucceeded', this.onDone);
    client.on('commandFailed', this.onDone);
  }

  /** A position in the log: `since(mark)` returns what was sent after it. */
  mark(): number {
    return this.log.length;
  }

  since(mark: number): RecordedCommand[] {
    return this.log.slice(mark);
  }

  /**
   * Resolves once no command is in flight and none has been sent for `idleMs` (work a request leaves behind:
   * event listeners, buffered change-log flushes). False if that did not happen within `timeoutMs`.
   */
  async quiet(idleMs = 250, timeoutMs = 15_000): Promise<boolean> {
    const until = performance.now() + timeoutMs;
    while (performance.now() < until) {
      if (this.inFlight.size === 0 && performance.now() - this.lastActivity >= idleMs) return true;
      await new Promise((r) => setTimeout(r, 25));
    }
    return false;
  }

  stop(): void {
    this.client.off('commandStarted', this.onStarted);
    this.client.off('commandSucceeded', this.onDone);
    this.client.off('commandFailed', this.onDone);
  }
}

/**
 * Runs `fn`, waits until the database has been quiet for a moment (work a request leaves behind, e.g. event
 * listeners), and returns every access it made: inserts, point filters and anything else.
 */
export async function accessesDuring(monitor: CommandMonitor, fn: () => Promise<unknown>): Promise<Access[]> {
  const mark = monitor.mark();
  try {
    await fn();
  } finally {
    await monitor.quiet(50);
  }
  return monitor.since(mark).flatMap(accessesOf);
}

/** The accesses that are neither inserts nor point filters, to `collections` when given. */
export function nonPoint(accesses: Access[], collections?: ReadonlySet<string>): Access[] {
  return accesses.filter((a) => a.kind === 'other' && (!collections || collections.has(a.collection)));
}
