import { randomBytes } from 'node:crypto';
import { trusted, type Types } from 'mongoose';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { isDuplicateKey } from '../db/errors';
import { DeliveryClaimModel, DeliveryModel, type StoredDelivery, SuppressionModel } from './delivery.model';
import { runDigests } from './outbox';
import { headerSafe, withFooter } from './render';
import { SubscriptionModel } from './subscription.model';
import type { TokenSigner } from './tokens';

export interface WorkerOptions {
  workerId?: string;
  /** How long a claimed delivery stays ours before another worker may take it over. */
  leaseMs?: number;
  pollMs?: number;
  /** Parallel sends (pooled SMTP connections are shared by them). */
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

/** FerretDB on SQLite answers concurrent writes with "database is locked" now and then: retry those briefly. */
async function retryBusy<T>(fn: () => Promise<T>, tries = 6): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const msg = String((err as Error)?.message ?? err);
      if (i >= tries - 1 || !/database is locked|SQLITE_BUSY/i.test(msg)) throw err;
      await new Promise((r) => setTimeout(r, 20 * 2 ** i + Math.random() * 20));
    }
  }
}

export const messageIdFor = (id: Types.ObjectId | string) => `<delivery-${String(id)}@staywatch>`;

type Outcome = 'sent' | 'retry' | 'failed' | 'skipped';

/**
 * Sends the outbox. Each delivery is claimed by `_id` with a conditional findOneAndUpdate (pending and due,
 * or a sending lease that expired), so two workers never hold the same delivery; the Message-ID comes from
 * the delivery id, so a resend after a crash is recognisable downstream.
 */
export class DeliveryWorker {
  readonly id: string;
  private readonly transport: Transporter;
  private readonly opts: Required<Omit<WorkerOptions, 'workerId'>>;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private lastDigestDay = '';
  private suppressed = new Set<string>();

  constructor(
    private readonly smtp: SmtpSettings,
    private readonly ctx: { publicUrl: string; tokens: TokenSigner; logger: Logger; digestHour: number },
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

  /** Polls until stopped; `poke()` wakes it early when new deliveries are recorded in this process. */
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
    this.transport.close();
  }

  private async maybeDigest(now = new Date()): Promise<void> {
    if (!this.opts.digests) return;
    const day = now.toISOString().slice(0, 10);
    if (now.getUTCHours() < this.ctx.digestHour || this.lastDigestDay === day) return;
    await runDigests(now);
    this.lastDigestDay = day;
  }

  /** Sends everything due now; resolves when nothing due is left (or only other workers' leases). */
  async drain(): Promise<{ sent: number; retried: number; failed: number; skipped: number }> {
    const totals = { sent: 0, retried: 0, failed: 0, skipped: 0 };
    // Suppressed addresses, read once per pass (a small collection) and extended as 5xx answers come in.
    this.suppressed = new Set((await SuppressionModel.find({}, { _id: 1 }).lean()).map((s) => s._id));
    for (;;) {
      if (this.stopped) return totals;
      const now = new Date();
      const due = await DeliveryModel.find(
        {
          $or: [
            { status: 'pending', nextAttemptAt: trusted({ $lte: now }) },
            { status: 'sending', leaseUntil: trusted({ $lt: now }) },
          ],
        },
        { _id: 1 },
      )
        // No sort: on FerretDB a sort reads and orders the whole collection; the random start below spreads work.
        .limit(200)
        .lean();
      if (due.length === 0) return totals;
      // Workers start at different places in the list so that, running together, they rarely race for one delivery.
      const shift = Math.floor(Math.random() * due.length);
      due.push(...due.splice(0, shift));
      let claimedAny = false;
      let next = 0;
      const lane = async () => {
        while (next < due.length && !this.stopped) {
          const d = due[next++]!;
          let outcome: Outcome;
          try {
            const claimed = await this.claim(d._id);
            if (!claimed) continue;
            claimedAny = true;
            outcome = await this.deliver(claimed);
          } catch (err) {
            // A database hiccup: the lease (or the claim repair) brings this delivery back later.
            this.ctx.logger.warn({ err, delivery: String(d._id) }, 'delivery step failed');
            continue;
          }
          if (outcome === 'sent') totals.sent++;
          else if (outcome === 'retry') totals.retried++;
          else if (outcome === 'failed') totals.failed++;
          else totals.skipped++;
        }
      };
      await Promise.all(Array.from({ length: this.opts.concurrency }, lane));
      if (!claimedAny) return totals;
    }
  }

  /**
   * Claim by `_id`: re-read the delivery, check it is due (pending and due, or its lease expired), then insert
   * the claim row for its current attempt number. Only the worker whose insert succeeds sends this attempt.
   */
  private async claim(id: Types.ObjectId): Promise<StoredDelivery | null> {
    const doc = await DeliveryModel.findById(id).lean<StoredDelivery>();
    if (!doc) return null;
    const now = new Date();
    const due =
      (doc.status === 'pending' && new Date(doc.nextAttemptAt) <= now) ||
      (doc.status === 'sending' && doc.leaseUntil !== null && new Date(doc.leaseUntil) < now);
    if (!due) return null;
    try {
      await retryBusy(() => DeliveryClaimModel.create({ _id: `${String(id)}:${doc.attempts}`, workerId: this.id, at: now }));
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // Someone claimed this attempt. If they died between the claim and marking it sending (the delivery is
      // still pending long after the claim), move it to the next attempt so it can be claimed again.
      if (doc.status === 'pending') {
        const c = await DeliveryClaimModel.findById(`${String(id)}:${doc.attempts}`).lean();
        if (c && now.getTime() - new Date(c.at).getTime() > this.opts.leaseMs) {
          await DeliveryModel.updateOne(
            { _id: id, status: 'pending', attempts: doc.attempts },
            { $set: { attempts: doc.attempts + 1 } },
          );
        }
      }
      return null;
    }
    const leaseUntil = new Date(now.getTime() + this.opts.leaseMs);
    const attempts = doc.attempts + 1;
    await retryBusy(() =>
      DeliveryModel.updateOne({ _id: id }, { $set: { status: 'sending', leaseUntil, workerId: this.id, attempts } }),
    );
    return { ...doc, status: 'sending', leaseUntil, workerId: this.id, attempts };
  }

  private async finish(d: StoredDelivery, set: Record<string, unknown>): Promise<void> {
    await retryBusy(() =>
      // By `_id` alone (the claim row made this attempt ours); FerretDB uses an index only for a bare `_id` filter.
      DeliveryModel.updateOne({ _id: d._id }, { $set: { leaseUntil: null, ...set } }),
    );
  }

  private async deliver(d: StoredDelivery): Promise<Outcome> {
    const to = d.to.toLowerCase();
    if (this.suppressed.has(to)) {
      await this.finish(d, { status: 'skipped', lastError: 'address suppressed after a permanent failure' });
      return 'skipped';
    }
    let unsubscribeUrl: string | null = null;
    if (d.subscriptionId) {
      const sub = await SubscriptionModel.findById(d.subscriptionId, { status: 1, tokenVersion: 1 }).lean();
      const wanted = d.kind === 'confirm' ? 'pending' : 'confirmed';
      if (!sub || sub.status !== wanted) {
        await this.finish(d, { status: 'skipped', lastError: `subscription is ${sub?.status ?? 'deleted'}` });
        return 'skipped';
      }
      if (d.kind !== 'confirm') {
        const token = this.ctx.tokens.sign('u', String(d.subscriptionId), sub.tokenVersion, null);
        unsubscribeUrl = `${this.ctx.publicUrl}/api/subscriptions/unsubscribe?token=${encodeURIComponent(token)}`;
      }
    }
    const body = withFooter(d, unsubscribeUrl);
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
      await this.finish(d, { status: 'sent', sentAt: new Date(), lastError: null });
      return 'sent';
    } catch (err) {
      const e = err as { responseCode?: number; code?: string; message?: string };
      const msg = headerSafe(`${e.code ?? ''} ${e.responseCode ?? ''} ${e.message ?? String(err)}`, 300);
      if (e.responseCode && e.responseCode >= 500 && e.responseCode < 600) {
        this.suppressed.add(to);
        await SuppressionModel.updateOne({ _id: to }, { $setOnInsert: { reason: msg, at: new Date() } }, { upsert: true }).catch(
          () => undefined,
        );
        await this.finish(d, { status: 'failed', lastError: msg });
        this.ctx.logger.warn({ delivery: String(d._id), code: e.responseCode }, 'permanent delivery failure; address suppressed');
        return 'failed';
      }
      if (d.attempts >= this.opts.maxAttempts) {
        await this.finish(d, { status: 'failed', lastError: msg });
        return 'failed';
      }
      const backoff = Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** Math.max(0, d.attempts - 1));
      const jitter = backoff * (0.8 + Math.random() * 0.4);
      await this.finish(d, { status: 'pending', nextAttemptAt: new Date(Date.now() + jitter), lastError: msg });
      return 'retry';
    }
  }
}
