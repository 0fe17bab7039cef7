import type { Types } from 'mongoose';
import type { PropertyView } from '../../shared/schemas/alerts';
import {
  VERIFICATION_LIMITS,
  type VerificationCase,
  type VerificationLetter,
  type VerificationQueue,
  type VerificationStatus,
} from '../../shared/schemas/verification';
import type { AuthUser } from '../accounts/session.types';
import { UserModel } from '../accounts/user.model';
import { updateVersioned } from '../db/versioned';
import { errors } from '../http/errors';
import { canOnObject, ownedBy } from '../http/policy';
import { appendAudit, auditEntry } from '../triage/audit-log';
import { userNames } from '../triage/user-names';
import { asObjectId } from './id-list';
import { type Property, PropertyModel } from './property.model';
import { presentProperty } from './property.presenter';
import {
  codeMatches,
  hashCode,
  newCode,
  nextVerificationStatus,
  type StoredVerification,
  UNVERIFIED,
  usableLetter,
  type VerificationAction,
  verificationOf,
} from './verification';
import { verificationLetter } from './verification-letter';
import { dequeue, enqueue, NO_FORCE, queuedIds } from './verification-queue';

type StoredProperty = Property & { _id: Types.ObjectId; rev?: number };

/** Which force area a point is in (the in-memory force locator), and every force id. */
export interface ForceLookup {
  locate(lat: number, lng: number): string | null;
  ids(): string[];
}

/** Concurrent changes of one property retried before giving up (each retry re-reads it). */
const ATTEMPTS = 30;
/** Properties read at most for one page of the queue (listed ids whose property stopped being pending are skipped). */
const QUEUE_READS_MAX = 400;
const DAY_MS = 86_400_000;

const propertyColl = () => PropertyModel.collection.collectionName;
const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

const notAllowed = (status: VerificationStatus, what: string) =>
  errors.conflict(`This property is ${status}: it cannot ${what} now`);

/**
 * Ownership verification of registered properties (issue 11 item 4): unverified → pending → verified | refused.
 * Every step is a versioned change of the property document (the transition is checked against the property as
 * it is when the change lands), is audited, and touches the database by `_id` only. The admin's pending queue is
 * one small versioned document per force (verification-queue.ts).
 */
export class VerificationService {
  constructor(private readonly forces: ForceLookup | null) {}

  private queueOf(p: Pick<Property, 'lat' | 'lng'>): string {
    return this.forces?.locate(p.lat, p.lng) ?? NO_FORCE;
  }

  private async read(id: string): Promise<StoredProperty | null> {
    const _id = asObjectId(id);
    return _id ? ((await PropertyModel.findById(_id).lean()) as StoredProperty | null) : null;
  }

  /** A versioned change of the property's verification; `mutate` gets the current one and returns the new one. */
  private async change(
    p: StoredProperty,
    mutate: (cur: StoredProperty, v: StoredVerification) => Promise<StoredVerification | null> | StoredVerification | null,
  ): Promise<StoredProperty> {
    const updated = await updateVersioned<StoredProperty>(
      propertyColl(),
      p._id,
      async (cur) => {
        // A property deleted meanwhile is not created again.
        if (!cur) throw errors.notFound('Property');
        const next = await mutate(cur, verificationOf(cur));
        return next ? { verification: next } : null;
      },
      { attempts: ATTEMPTS, conflictMessage: 'The property changed meanwhile; please try again' },
    );
    if (!updated) throw errors.notFound('Property');
    return updated;
  }

  /** Checks that `action` is allowed from the current status; returns the status it leads to. */
  private step(v: StoredVerification, action: VerificationAction, what: string): VerificationStatus {
    const to = nextVerificationStatus(v.status, action);
    if (!to) throw notAllowed(v.status, what);
    return to;
  }

  /** Lists the property in `queue` first; if the change then fails, unlists it again unless it is pending there. */
  private async whileQueued<T>(queue: string, propertyId: string, run: () => Promise<T>): Promise<T> {
    await enqueue(queue, propertyId);
    try {
      return await run();
    } catch (err) {
      const now = await this.read(propertyId);
      const v = now ? verificationOf(now) : null;
      if (!(v?.status === 'pending' && v.queue === queue)) await dequeue(queue, [propertyId]).catch(() => undefined);
      throw err;
    }
  }

  /** The routes' views of request and submitCode (property.presenter.ts). */
  async requestView(ownerId: string, propertyId: string, note: string | undefined): Promise<PropertyView> {
    return presentProperty(await this.request(ownerId, propertyId, note));
  }
  async submitCodeView(ownerId: string, propertyId: string, typed: string): Promise<PropertyView> {
    return presentProperty(await this.submitCode(ownerId, propertyId, typed));
  }

  /** The owner asks to be verified (optionally saying what documents they can show): → pending. */
  async request(ownerId: string, propertyId: string, note: string | undefined): Promise<StoredProperty> {
    const p = await this.read(propertyId);
    if (!p || !ownedBy(ownerId, p)) throw errors.notFound('Property');
    const from = verificationOf(p).status;
    this.step(verificationOf(p), 'request', 'be submitted for verification');
    const queue = this.queueOf(p);
    const now = new Date();
    const updated = await this.whileQueued(queue, propertyId, () =>
      this.change(p, (cur, v) => {
        if (!ownedBy(ownerId, cur)) throw errors.notFound('Property');
        const to = this.step(v, 'request', 'be submitted for verification');
        return {
          ...UNVERIFIED,
          lettersIssued: v.lettersIssued,
          lastLetterAt: v.lastLetterAt,
          lastLetterBy: v.lastLetterBy,
          status: to,
          queue,
          requestedAt: now,
          ownerNote: note?.trim() || null,
        };
      }),
    );
    await appendAudit([auditEntry('property.verify.request', null, ownerId, { propertyId, from, to: 'pending', queue }, now)]);
    return updated;
  }

  /**
   * A letter with a new one-time code, for police of the property's force or an admin: → pending. Only a hash of
   * the code is kept; a newer letter makes an older one's code useless.
   */
  async issueLetter(user: AuthUser, propertyId: string): Promise<VerificationLetter> {
    const p = await this.read(propertyId);
    const force = p ? (this.forces?.locate(p.lat, p.lng) ?? null) : null;
    if (!p || !canOnObject(user, 'verification.letter', { forceId: force })) throw errors.notFound('Property');
    const v0 = verificationOf(p);
    this.step(v0, 'letter', 'get a verification letter');
    const queue = v0.status === 'pending' && v0.queue ? v0.queue : (force ?? NO_FORCE);
    const code = newCode();
    const { hash, salt } = await hashCode(code);
    const now = new Date();
    const expiresAt = new Date(now.getTime() + VERIFICATION_LIMITS.letterDays * DAY_MS);
    let from: VerificationStatus = v0.status;
    const updated = await this.whileQueued(queue, propertyId, () =>
      this.change(p, (_cur, v) => {
        from = v.status;
        this.step(v, 'letter', 'get a verification letter');
        return {
          ...v,
          status: 'pending',
          queue: v.status === 'pending' && v.queue ? v.queue : queue,
          requestedAt: v.requestedAt ?? now,
          letter: { hash, salt, issuedAt: now, issuedBy: user.id, expiresAt, attempts: 0 },
          lettersIssued: v.lettersIssued + 1,
          lastLetterAt: now,
          lastLetterBy: user.id,
        };
      }),
    );
    await appendAudit([
      auditEntry(
        'property.verify.letter',
        null,
        user.id,
        { propertyId, ownerId: String(p.ownerId), from, to: 'pending', expiresAt: expiresAt.toISOString() },
        now,
      ),
    ]);
    return {
      propertyId,
      address: updated.address,
      code,
      expiresAt: expiresAt.toISOString(),
      ...verificationLetter({ address: updated.address, code, expiresAt, reference: propertyId }),
    };
  }

  /**
   * The owner enters the letter's code: the right code verifies the property; a wrong one counts against the
   * letter (counted inside the versioned change, so codes sent at once are all counted) and after the last attempt
   * the letter is void. 409 when no usable letter is waiting.
   */
  async submitCode(ownerId: string, propertyId: string, typed: string): Promise<StoredProperty> {
    const p = await this.read(propertyId);
    if (!p || !ownedBy(ownerId, p)) throw errors.notFound('Property');
    const now = new Date();
    // One hash per letter for this call, however often the change is retried.
    const checked = new Map<string, boolean>();
    let outcome = 'none' as 'verified' | 'wrong' | 'none';
    let attemptsLeft = 0;
    let before: StoredVerification = verificationOf(p);
    const updated = await this.change(p, async (cur, v) => {
      if (!ownedBy(ownerId, cur)) throw errors.notFound('Property');
      before = v;
      const letter = usableLetter(v, now);
      if (!letter) {
        outcome = 'none';
        return null;
      }
      if (!checked.has(letter.salt)) checked.set(letter.salt, await codeMatches(letter, typed));
      if (checked.get(letter.salt)) {
        outcome = 'verified';
        const to = this.step(v, 'code', 'be verified');
        return {
          ...v,
          status: to,
          queue: null,
          letter: null,
          method: 'letter',
          decidedAt: now,
          decidedBy: ownerId,
          note: null,
        };
      }
      outcome = 'wrong';
      attemptsLeft = VERIFICATION_LIMITS.codeAttempts - (letter.attempts + 1);
      return { ...v, letter: { ...letter, attempts: letter.attempts + 1 } };
    });
    if (outcome === 'none') {
      throw errors.conflict(
        'No letter code is waiting for this property: it was used, has expired or had too many wrong tries. Ask for a new letter.',
      );
    }
    if (outcome === 'wrong') {
      await appendAudit([auditEntry('property.verify.code_rejected', null, ownerId, { propertyId, attemptsLeft }, now)]);
      const message =
        attemptsLeft > 0
          ? `That code is not right: ${attemptsLeft} tries left`
          : 'That code is not right, and this letter can no longer be used';
      throw errors.invalid(message, 'body.code');
    }
    if (before.queue) await dequeue(before.queue, [propertyId]);
    await appendAudit([
      auditEntry(
        'property.verify',
        null,
        ownerId,
        { propertyId, from: before.status, to: 'verified', method: 'letter', letterIssuedBy: before.letter?.issuedBy ?? null },
        now,
      ),
    ]);
    return updated;
  }

  /** An admin's check of documents: verifies or refuses a pending property, or revokes a verified one. */
  async decide(admin: AuthUser, propertyId: string, decision: 'verified' | 'refused', note: string): Promise<VerificationCase> {
    const p = await this.read(propertyId);
    if (!p) throw errors.notFound('Property');
    const action: VerificationAction = decision === 'verified' ? 'verify' : 'refuse';
    const what = decision === 'verified' ? 'be verified' : 'be refused';
    this.step(verificationOf(p), action, what);
    const now = new Date();
    let before: StoredVerification = verificationOf(p);
    const updated = await this.change(p, (_cur, v) => {
      before = v;
      const to = this.step(v, action, what);
      return {
        ...v,
        status: to,
        queue: null,
        letter: null,
        method: 'documents',
        decidedAt: now,
        decidedBy: admin.id,
        note,
      };
    });
    if (before.queue) await dequeue(before.queue, [propertyId]);
    await appendAudit([
      auditEntry(
        decision === 'verified' ? 'property.verify' : 'property.refuse',
        null,
        admin.id,
        { propertyId, ownerId: String(p.ownerId), from: before.status, to: decision, method: 'documents', note },
        now,
      ),
    ]);
    return (await this.cases([updated]))[0]!;
  }

  /**
   * The verification after the property moved or its address changed (called inside the property's own versioned
   * change): what was checked was another place, so it starts again as unverified. Null when nothing changes.
   */
  resetFor(v: StoredVerification): StoredVerification | null {
    return nextVerificationStatus(v.status, 'reset') ? { ...UNVERIFIED } : null;
  }

  /** After a reset was written: the property leaves the queue, and the reset is audited. */
  async afterReset(ownerId: string, propertyId: string, before: StoredVerification): Promise<void> {
    if (before.queue) await dequeue(before.queue, [propertyId]);
    await appendAudit([
      auditEntry('property.verify.reset', null, ownerId, { propertyId, from: before.status, to: 'unverified' }),
    ]);
  }

  /** After a property was deleted: it leaves the queue it was waiting in. */
  async afterDelete(p: { verification?: StoredVerification | null }, propertyId: string): Promise<void> {
    const v = verificationOf(p);
    if (v.queue) await dequeue(v.queue, [propertyId]);
  }

  /** The status of each property (one read by `_id` each); a missing property is absent from the map. */
  async statuses(ids: string[]): Promise<Map<string, VerificationStatus>> {
    const unique = [...new Set(ids)];
    const found = await Promise.all(unique.map((id) => this.read(id)));
    const out = new Map<string, VerificationStatus>();
    unique.forEach((id, i) => {
      const p = found[i];
      if (p) out.set(id, verificationOf(p).status);
    });
    return out;
  }

  /**
   * The admin's queue: properties waiting for verification, oldest request first, from one force's queue or from
   * every force's. Reads the queue documents and then the listed properties by `_id` (at most QUEUE_READS_MAX);
   * ids whose property is gone or no longer pending there are unlisted as they are met.
   */
  async pending(q: { force?: string; limit: number }): Promise<VerificationQueue> {
    const keys = q.force ? [q.force] : [...(this.forces?.ids() ?? []), NO_FORCE];
    const lists = await Promise.all(keys.map(async (key) => ({ key, ids: await queuedIds(key) })));
    // Oldest first within each queue; queues taken in turn so one busy force does not hide the others.
    const order: Array<{ key: string; id: string }> = [];
    for (let i = 0; order.length < QUEUE_READS_MAX; i++) {
      const round = lists.filter((l) => i < l.ids.length).map((l) => ({ key: l.key, id: l.ids[i]! }));
      if (!round.length) break;
      order.push(...round);
    }
    const listed = lists.reduce((n, l) => n + l.ids.length, 0);
    const found = await Promise.all(order.map(({ id }) => this.read(id)));
    const waiting: StoredProperty[] = [];
    const stale = new Map<string, string[]>();
    order.forEach(({ key, id }, i) => {
      const p = found[i];
      const v = p ? verificationOf(p) : null;
      if (p && v?.status === 'pending' && v.queue === key) waiting.push(p);
      else stale.set(key, [...(stale.get(key) ?? []), id]);
    });
    await Promise.all([...stale].map(([key, ids]) => dequeue(key, ids).catch(() => undefined)));
    waiting.sort((a, b) => (verificationOf(a).requestedAt?.getTime() ?? 0) - (verificationOf(b).requestedAt?.getTime() ?? 0));
    return { items: await this.cases(waiting.slice(0, q.limit)), more: waiting.length > q.limit || order.length < listed };
  }

  /** The admin's view of these properties: owner, evidence and decision. */
  private async cases(props: StoredProperty[]): Promise<VerificationCase[]> {
    const owners = new Map<string, { name: string; email: string }>();
    const ownerIds = [...new Set(props.map((p) => String(p.ownerId)))];
    const users = await Promise.all(ownerIds.map((id) => UserModel.findById(id, { name: 1, email: 1 }).lean()));
    ownerIds.forEach((id, i) => {
      const u = users[i];
      if (u) owners.set(id, { name: u.name, email: u.email });
    });
    const names = await userNames(props.flatMap((p) => [verificationOf(p).lastLetterBy, verificationOf(p).decidedBy]));
    const actor = (id: string | null) => (id ? { id, name: names.get(id) ?? 'Unknown' } : null);
    const now = new Date();
    return props.map((p) => {
      const v = verificationOf(p);
      const owner = owners.get(String(p.ownerId));
      const letter = usableLetter(v, now);
      return {
        property: { id: String(p._id), address: p.address, lat: p.lat, lng: p.lng, type: p.type },
        owner: owner ? { id: String(p.ownerId), ...owner } : null,
        forceId: this.forces?.locate(p.lat, p.lng) ?? null,
        status: v.status,
        requestedAt: iso(v.requestedAt),
        ownerNote: v.ownerNote,
        letters: {
          issued: v.lettersIssued,
          lastIssuedAt: iso(v.lastLetterAt),
          lastIssuedBy: actor(v.lastLetterBy),
          outstanding: letter
            ? { expiresAt: iso(letter.expiresAt)!, attemptsLeft: VERIFICATION_LIMITS.codeAttempts - letter.attempts }
            : null,
        },
        method: v.method,
        decidedAt: iso(v.decidedAt),
        decidedBy: actor(v.decidedBy),
        note: v.note,
      };
    });
  }
}
