import { randomBytes } from 'node:crypto';
import type { Types } from 'mongoose';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../config';
import { insertNew } from '../db/insert';
import type { Logger } from '../logger';
import { BodyCache } from './bodies';
import {
  type DeliveryClaim,
  DeliveryClaimModel,
  DeliveryModel,
  DeliveryResultModel,
  type StoredDelivery,
  SuppressionModel,
} from './delivery.model';
import { applyResult, attemptId, DeliveryLedger } from './ledger';
import { bodyOf, runDigests } from './outbox';
import { headerSafe, withFooter } from './render';
import { SubscriptionModel } from './subscription.model';
import type { TokenSigner } from './tokens';

export interface WorkerOptions {
  workerId?: string;
  /** How long a claimed delivery stays ours before another worker may take it over. */
  leaseMs?: number;
  pollMs?: number;
  /** Parallel sends (pooled SMTP connections are shared by them); also how many are claimed at a time. */
  concurrency?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  maxAttempts?: number;
  /** Run the daily digest job from this worker's loop. */
  digests?: boolean;
}

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  pass?: string;
  poolSize: number;
  from: string;
}

export function smtpFromConfig(config: Config): SmtpSettings | null {
  const m = config.mail;
  if (!m.host) return null;
  return { host: m.host, port: m.port, secure: m.secure, user: m.user, pass: m.pass, poolSize: m.poolSize, from: m.from };
}

export function createTransport(smtp: SmtpSettings): Transporter {
  return nodemailer.createTransport({
    pool: true,
    maxConnections: smtp.poolSize,
    maxMessages: 1000,
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    auth: smtp.user ? { user: smtp.user, pass: smtp.pass ?? '' } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
}

export const messageIdFor = (id: Types.ObjectId | string) => `<delivery-${String(id)}@staywatch>`;

type Outcome = 'sent' | 'retry' | 'failed' | 'skipped';
export type Totals = Record<'sent' | 'retried' | 'failed' | 'skipped', number>;

/** A subscription's state as the worker needs it; `undefined` from a lookup means "ask the database". */
export interface SubscriptionState {
  status: string;
  tokenVersion: string;
}
export type SubscriptionLookup = (id: string) => SubscriptionState | undefined;

const POLL_LIMIT = 500;

/**
 * Sends the outbox. Work comes from deliveries handed over by the recorder in this process (`enqueue`) and
 * from polling for due ones (retries, other processes, restarts). Each attempt is claimed by inserting a
 * `<delivery>:<attempt>` row, a chunk of `concurrency` at a time: the engine's `_id` uniqueness lets exactly
 * one worker win an attempt. Outcomes go to the ledger (result rows, then bulk status updates). The
 * Message-ID comes from the delivery id, so a resend after a crash is recognisable downstream.
 */
export class DeliveryWorker {
  readonly id: string;
  private readonly transport: Transporter;
  private readonly opts: Required<Omit<WorkerOptions, 'workerId'>>;
  private readonly ledger = new DeliveryLedger();
  private readonly bodies = new BodyCache();
  private queue: StoredDelivery[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private lastDigestDay = '';
  private suppressed = new Set<string>();

  constructor(
    private readonly smtp: SmtpSettings,
    private readonly ctx: {
      publicUrl: string;
      tokens: TokenSigner;
      logger: Logger;
      digestHour: number;
      /** In the server process: the in-memory subscription index (updated at once on confirm and unsubscribe). */
      subscriptions?: SubscriptionLookup;
    },
    opts: WorkerOptions = {},
  ) {
    this.id = opts.workerId ?? `w-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.opts = {
      leaseMs: opts.leaseMs ?? 60_000,
      pollMs: opts.pollMs ?? 2_000,
      concurrency: opts.concurrency ?? smtp.poolSize * 2,
      retryBaseMs: opts.retryBaseMs ?? 30_000,
      retryMaxMs: opts.retryMaxMs ?? 3_600_000,
      maxAttempts: opts.maxAttempts ?? 30,
      digests: opts.digests ?? true,
    };
    this.transport = createTransport(smtp);
  }

  /** Polls until stopped; `enqueue()` wakes it early when new deliveries are recorded in this process. */
  start(): void {
    this.stopped = false;
    const loop = () => {
      if (this.stopped) return;
      this.poke();
      this.timer = setTimeout(loop, this.opts.pollMs);
      this.timer.unref();
    };
    loop();
  }

  /** Deliveries just recorded in this process: sent without waiting for the next poll. */
  enqueue(docs: StoredDelivery[]): void {
    for (const d of docs) if (d.status === 'pending') this.queue.push(d);
    if (this.timer || this.running) this.poke();
  }

  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.maybeDigest();
          await this.drain();
        } catch (err) {
          this.ctx.logger.warn({ err, worker: this.id }, 'delivery worker pass failed');
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = null;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.ledger.settle().catch((err) => this.ctx.logger.warn({ err }, 'settling deliveries failed'));
    this.transport.close();
  }

  private async maybeDigest(now = new Date()): Promise<void> {
    if (!this.opts.digests) return;
    const day = now.toISOString().slice(0, 10);
    if (now.getUTCHours() < this.ctx.digestHour || this.lastDigestDay === day) return;
    await runDigests(now, this.bodies);
    this.lastDigestDay = day;
  }

  /** Sends everything due now; resolves when nothing due is left (or only other workers' claims). */
  async drain(): Promise<Totals> {
    const totals: Totals = { sent: 0, retried: 0, failed: 0, skipped: 0 };
    // Suppressed addresses, read once per pass (a small collection) and extended as 5xx answers come in.
    this.suppressed = new Set((await SuppressionModel.find({}, { _id: 1 }).lean()).map((s) => s._id));
    try {
      while (!this.stopped) {
        let batch = this.queue.splice(0, POLL_LIMIT);
        const polled = batch.length === 0;
        if (polled) {
          // Our own outcomes must be settled first, or the poll would offer them again.
          await this.ledger.settle();
          batch = await this.due();
          if (!batch.length) break;
        }
        const claimed = await this.sendAll(batch, totals, polled);
        void this.ledger.settle().catch((err) => this.ctx.logger.warn({ err }, 'settling deliveries failed'));
        if (polled && claimed === 0) break;
      }
    } finally {
      await this.ledger.settle();
    }
    return totals;
  }

  private async due(): Promise<StoredDelivery[]> {
    const now = new Date();
    // No sort: on FerretDB a sort reads and orders the whole collection; the random start below spreads work.
    const due = (await DeliveryModel.collection
      .find({
        $or: [
          { status: 'pending', nextAttemptAt: { $lte: now } },
          // Recorded by an earlier version that marked deliveries `sending` under a lease.
          { status: 'sending', leaseUntil: { $lt: now } },
        ],
      })
      .limit(POLL_LIMIT)
      .toArray()) as unknown as StoredDelivery[];
    // Workers start at different places in the list so that, running together, they rarely race for one delivery.
    const shift = Math.floor(Math.random() * due.length);
    return [...due.slice(shift), ...due.slice(0, shift)];
  }

  /**
   * Claims `concurrency` deliveries at a time (one insert of claim rows) and sends them on as many lanes.
   * At most one chunk is claimed ahead of the lanes, which bounds what a crash can leave in flight.
   */
  private async sendAll(batch: StoredDelivery[], totals: Totals, polled: boolean): Promise<number> {
    const chunkSize = Math.max(1, this.opts.concurrency);
    let next = 0;
    let claimedCount = 0;
    const ready: Array<{ d: StoredDelivery; attempt: number }> = [];
    let claiming: Promise<void> | null = null;
    const take = async () => {
      for (;;) {
        if (this.stopped) return null;
        const item = ready.shift();
        if (item) return item;
        if (next >= batch.length && !claiming) return null;
        claiming ??= (async () => {
          const chunk = batch.slice(next, next + chunkSize);
          next += chunk.length;
          const won = await this.claim(chunk, polled);
          claimedCount += won.length;
          ready.push(...won);
        })().finally(() => {
          claiming = null;
        });
        await claiming;
      }
    };
    const lane = async () => {
      for (let item = await take(); item; item = await take()) {
        let outcome: Outcome;
        try {
          outcome = await this.deliver(item.d, item.attempt);
        } catch (err) {
          // A database hiccup: the claim repair brings this delivery back later.
          this.ctx.logger.warn({ err, delivery: String(item.d._id) }, 'delivery step failed');
          continue;
        }
        if (outcome === 'retry') totals.retried++;
        else totals[outcome]++;
      }
    };
    await Promise.all(Array.from({ length: chunkSize }, lane));
    return claimedCount;
  }

  /** Inserts a claim row for each delivery's current attempt; returns those this worker won. */
  private async claim(chunk: StoredDelivery[], polled: boolean) {
    const at = new Date();
    const rows: DeliveryClaim[] = chunk.map((d) => ({ _id: attemptId(d, d.attempts ?? 0), workerId: this.id, at }));
    const won = new Set((await insertNew(DeliveryClaimModel.collection, rows)).map((r) => r._id));
    const lost = chunk.filter((d) => !won.has(attemptId(d, d.attempts ?? 0)));
    // Someone else holds these attempts. From a poll, an old claim may belong to a worker that died.
    if (polled) for (const d of lost) await this.repair(d, at);
    return chunk.filter((d) => won.has(attemptId(d, d.attempts ?? 0))).map((d) => ({ d, attempt: d.attempts ?? 0 }));
  }

  /**
   * A claimed attempt older than the lease: if its result was stored, apply it (the worker died before
   * settling); if not, the worker died in flight, so open the next attempt (this may resend that one message).
   */
  private async repair(d: StoredDelivery, now: Date): Promise<void> {
    const attempt = d.attempts ?? 0;
    const id = attemptId(d, attempt);
    const claim = await DeliveryClaimModel.findById(id).lean();
    if (!claim || now.getTime() - new Date(claim.at).getTime() <= this.opts.leaseMs) return;
    const result = await DeliveryResultModel.findById(id).lean();
    if (result) await applyResult(d, attempt, result);
    else await DeliveryModel.collection.updateOne({ _id: d._id, attempts: attempt }, { $set: { attempts: attempt + 1 } });
  }

  /** Current state, never cached: a subscriber who just unsubscribed must not get one more message. */
  private async subscription(id: string, fresh: boolean): Promise<SubscriptionState | null> {
    const known = fresh ? undefined : this.ctx.subscriptions?.(id);
    if (known) return known;
    const sub = await SubscriptionModel.findById(id, { status: 1, tokenVersion: 1 }).lean();
    return sub ? { status: sub.status, tokenVersion: sub.tokenVersion } : null;
  }

  private finish(d: StoredDelivery, attempt: number, status: 'sent' | 'failed' | 'skipped', error: string | null): Outcome {
    this.ledger.record({ delivery: d, attempt, status, error });
    return status;
  }

  private async deliver(d: StoredDelivery, attempt: number): Promise<Outcome> {
    const to = d.to.toLowerCase();
    if (this.suppressed.has(to)) return this.finish(d, attempt, 'skipped', 'address suppressed after a permanent failure');
    let unsubscribeUrl: string | null = null;
    if (d.subscriptionId) {
      const sub = await this.subscription(String(d.subscriptionId), d.kind === 'confirm');
      const wanted = d.kind === 'confirm' ? 'pending' : 'confirmed';
      if (!sub || sub.status !== wanted) return this.finish(d, attempt, 'skipped', `subscription is ${sub?.status ?? 'deleted'}`);
      if (d.kind !== 'confirm') {
        const token = this.ctx.tokens.sign('u', String(d.subscriptionId), sub.tokenVersion, null);
        unsubscribeUrl = `${this.ctx.publicUrl}/api/subscriptions/unsubscribe?token=${encodeURIComponent(token)}`;
      }
    }
    const content = await bodyOf(d, this.bodies);
    if (!content) return this.finish(d, attempt, 'failed', 'message body is missing');
    const body = withFooter(content, unsubscribeUrl);
    try {
      await this.transport.sendMail({
        from: this.smtp.from,
        to: headerSafe(d.to, 254),
        subject: headerSafe(d.subject, 200),
        messageId: messageIdFor(d._id),
        text: body.text,
        html: body.html,
        headers: unsubscribeUrl
          ? { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
          : {},
      });
      return this.finish(d, attempt, 'sent', null);
    } catch (err) {
      const e = err as { responseCode?: number; code?: string; message?: string };
      const msg = headerSafe(`${e.code ?? ''} ${e.responseCode ?? ''} ${e.message ?? String(err)}`, 300);
      if (e.responseCode && e.responseCode >= 500 && e.responseCode < 600) {
        this.suppressed.add(to);
        await SuppressionModel.updateOne({ _id: to }, { $setOnInsert: { reason: msg, at: new Date() } }, { upsert: true }).catch(
          () => undefined,
        );
        this.ctx.logger.warn({ delivery: String(d._id), code: e.responseCode }, 'permanent delivery failure; address suppressed');
        return this.finish(d, attempt, 'failed', msg);
      }
      if (attempt + 1 >= this.opts.maxAttempts) return this.finish(d, attempt, 'failed', msg);
      const backoff = Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** attempt);
      this.ledger.record({ delivery: d, attempt, status: 'retry', error: msg, retryInMs: backoff * (0.8 + Math.random() * 0.4) });
      return 'retry';
    }
  }
}
