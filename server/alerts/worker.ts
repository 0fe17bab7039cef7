import { randomBytes } from 'node:crypto';
import { type Types, trusted } from 'mongoose';
import nodemailer, { type Transporter } from 'nodemailer';
import { ukWallClock } from '../../shared/time';
import { noteFailedDelivery } from '../admin/outbox-failures';
import type { Config } from '../config';
import { insertNew } from '../db/insert';
import type { Logger } from '../logger';
import { headerSafe } from '../mail/compose';
import { BodyCache } from './bodies';
import {
  type DeliveryClaim,
  DeliveryClaimModel,
  DeliveryResultModel,
  type DeliveryWork,
  DeliveryWorkModel,
  type Sendable,
  SuppressionModel,
} from './delivery.model';
import { attemptId, DeliveryLedger, type LedgerOptions } from './ledger';
import { bodyOf, runDigests } from './outbox';
import { withFooter } from './render';
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
  /** Where attempt results are stored (tests wrap the database store to inject a fault). */
  ledger?: LedgerOptions;
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

/** A subscription's state as the worker needs it. */
export interface SubscriptionState {
  status: string;
  tokenVersion: string;
}

/** Work items taken per round. */
const ROUND = 10;

interface Entry {
  work: DeliveryWork;
  d: Sendable;
  k: number;
}

/**
 * Sends the outbox. Work comes as work items: handed over by the recorder in this process (`enqueue`), or found
 * by polling (retries, other processes, restarts). Each attempt is claimed by inserting a `<delivery>:<attempt>`
 * row, `concurrency` at a time: the engine's `_id` uniqueness lets exactly one worker win an attempt. Outcomes
 * are result rows; a work item is removed when every attempt it lists has one. The Message-ID comes from the
 * delivery id, so a resend after a crash is recognisable downstream.
 */
export class DeliveryWorker {
  readonly id: string;
  private readonly transport: Transporter;
  private readonly opts: Required<Omit<WorkerOptions, 'workerId' | 'ledger'>>;
  private readonly ledger: DeliveryLedger;
  private readonly bodies = new BodyCache();
  private queue: DeliveryWork[] = [];
  /** Work items this worker is on: a poll does not take them again. */
  private readonly busy = new Set<string>();
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
    this.ledger = new DeliveryLedger(opts.ledger);
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

  /** Work just recorded in this process: sent without waiting for the next poll. */
  enqueue(work: DeliveryWork[]): void {
    for (const w of work) {
      this.busy.add(w._id);
      this.queue.push(w);
    }
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
    try {
      await this.ledger.flush();
    } catch (err) {
      this.ctx.logger.error(
        { err, unstored: this.ledger.unstored },
        'delivery results could not be stored; those messages may be sent again after the lease',
      );
    }
    this.ledger.close();
    this.transport.close();
  }

  private async maybeDigest(now = new Date()): Promise<void> {
    if (!this.opts.digests) return;
    // Digests go out after DIGEST_HOUR on the UK clock (GMT/BST).
    const local = ukWallClock(now.getTime());
    const day = local.toISOString().slice(0, 10);
    if (local.getUTCHours() < this.ctx.digestHour || this.lastDigestDay === day) return;
    await runDigests(now, this.bodies);
    this.lastDigestDay = day;
  }

  /** Sends everything due now; resolves when nothing due is left (or only attempts other workers hold). */
  async drain(): Promise<Totals> {
    const totals: Totals = { sent: 0, retried: 0, failed: 0, skipped: 0 };
    // Suppressed addresses, read once per pass (a small collection) and extended as 5xx answers come in.
    this.suppressed = new Set((await SuppressionModel.find({}, { _id: 1 }).lean()).map((s) => s._id));
    try {
      while (!this.stopped) {
        let jobs = this.queue.splice(0, ROUND);
        const polled = jobs.length === 0;
        if (polled) {
          await this.ledger.flush();
          jobs = await this.dueWork();
          if (!jobs.length) break;
        }
        const progressed = await this.run(jobs, totals);
        if (polled && !progressed) break;
      }
    } finally {
      await this.ledger.flush();
    }
    return totals;
  }

  /** Due work items this worker is not already on. */
  private async dueWork(): Promise<DeliveryWork[]> {
    const found = (await DeliveryWorkModel.find({ dueAt: trusted({ $lte: new Date() }) })
      .limit(ROUND * 5)
      .lean()) as DeliveryWork[];
    // Workers start at different places in the list so that, running together, they rarely race for one item.
    const shift = Math.floor(Math.random() * found.length);
    const work = [...found.slice(shift), ...found.slice(0, shift)].filter((w) => !this.busy.has(w._id)).slice(0, ROUND);
    for (const w of work) this.busy.add(w._id);
    return work;
  }

  /**
   * Claims the jobs' attempts a chunk at a time and sends them on `concurrency` lanes; then removes the work
   * items whose every attempt has a result. Returns whether anything was claimed or resolved.
   */
  private async run(jobs: DeliveryWork[], totals: Totals): Promise<boolean> {
    const open = new Map<DeliveryWork, number>(jobs.map((w) => [w, w.items.length]));
    // The same attempt listed twice (a report matched twice) is taken once; the copy counts as resolved with it.
    const seen = new Set<string>();
    const entries: Entry[] = [];
    for (const work of jobs) {
      for (const i of work.items) {
        const id = attemptId(i.d._id, i.k);
        if (seen.has(id)) open.set(work, open.get(work)! - 1);
        else {
          seen.add(id);
          entries.push({ work, d: i.d, k: i.k });
        }
      }
    }
    // Workers on the same work item start at different places in it, so they rarely race for one attempt.
    const shift = Math.floor(Math.random() * entries.length);
    entries.push(...entries.splice(0, shift));
    const resolved = (e: Entry) => open.set(e.work, open.get(e.work)! - 1);
    let progressed = false;
    const chunkSize = Math.max(1, this.opts.concurrency);
    let next = 0;
    const ready: Entry[] = [];
    let claiming: Promise<void> | null = null;
    const take = async (): Promise<Entry | null> => {
      for (;;) {
        if (this.stopped) return null;
        const item = ready.shift();
        if (item) return item;
        if (next >= entries.length && !claiming) return null;
        claiming ??= (async () => {
          const chunk = entries.slice(next, next + chunkSize);
          next += chunk.length;
          const { won, settled } = await this.claim(chunk);
          for (const e of settled) resolved(e);
          if (won.length || settled.length) progressed = true;
          ready.push(...won);
        })().finally(() => {
          claiming = null;
        });
        await claiming;
      }
    };
    const lane = async () => {
      for (let e = await take(); e; e = await take()) {
        try {
          const outcome = await this.deliver(e.d, e.k);
          resolved(e);
          if (outcome === 'retry') totals.retried++;
          else totals[outcome]++;
        } catch (err) {
          // A database hiccup: the claim has no result, so the lease brings this attempt back later.
          this.ctx.logger.warn({ err, delivery: String(e.d._id) }, 'delivery step failed');
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: chunkSize }, lane));
      const done = jobs.filter((w) => open.get(w) === 0).map((w) => w._id);
      await this.ledger.finishWork(done);
      if (done.length) progressed = true;
    } finally {
      for (const w of jobs) this.busy.delete(w._id);
    }
    return progressed;
  }

  /**
   * Inserts a claim row per attempt. Attempts another worker claimed are settled if they have a result, or, when
   * the claim is older than the lease (its worker died), given a retry now (this may resend that one message).
   */
  private async claim(chunk: Entry[]): Promise<{ won: Entry[]; settled: Entry[] }> {
    const at = new Date();
    const rows: DeliveryClaim[] = chunk.map((e) => ({ _id: attemptId(e.d._id, e.k), workerId: this.id, at }));
    const wonIds = new Set((await insertNew(DeliveryClaimModel.collection, rows)).map((r) => r._id));
    const won: Entry[] = [];
    const settled: Entry[] = [];
    for (const e of chunk) {
      const id = attemptId(e.d._id, e.k);
      if (wonIds.has(id)) {
        won.push(e);
        continue;
      }
      // Held by a live worker (claimed within the lease): leave it to them.
      const claim = await DeliveryClaimModel.findById(id).lean();
      if (claim && at.getTime() - new Date(claim.at).getTime() <= this.opts.leaseMs) continue;
      if (await DeliveryResultModel.exists({ _id: id })) settled.push(e);
      else if (claim) {
        this.ledger.record(e.d, e.k, 'retry', `lease of ${claim.workerId} expired`, 0);
        settled.push(e);
      }
    }
    return { won, settled };
  }

  /**
   * Current state, read by `_id` at send time and never cached: a subscriber who just unsubscribed or deleted the
   * alert (on any instance) must not get one more message. An in-memory index would lag behind other instances.
   */
  private async subscription(id: string): Promise<SubscriptionState | null> {
    const sub = await SubscriptionModel.findById(id, { status: 1, tokenVersion: 1 }).lean();
    return sub ? { status: sub.status, tokenVersion: sub.tokenVersion } : null;
  }

  private finish(d: Sendable, attempt: number, status: 'sent' | 'failed' | 'skipped', error: string | null): Outcome {
    this.ledger.record(d, attempt, status, error);
    if (status === 'failed') {
      // For the admin's status page (a log read by `_id`, never a count of the results).
      noteFailedDelivery({ deliveryId: String(d._id), kind: d.kind, attempt, error: error ?? '', at: new Date() }).catch((err) =>
        this.ctx.logger.warn({ err }, 'could not log a failed delivery'),
      );
    }
    return status;
  }

  private async deliver(d: Sendable, attempt: number): Promise<Outcome> {
    const to = d.to.toLowerCase();
    if (this.suppressed.has(to)) return this.finish(d, attempt, 'skipped', 'address suppressed after a permanent failure');
    let unsubscribeUrl: string | null = null;
    if (d.subscriptionId) {
      const sub = await this.subscription(String(d.subscriptionId));
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
      this.ledger.record(d, attempt, 'retry', msg, backoff * (0.8 + Math.random() * 0.4));
      return 'retry';
    }
  }
}
