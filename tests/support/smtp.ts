import net from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { waitFor } from './wait';

export interface ReceivedMail {
  messageId: string;
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  headers: Map<string, unknown>;
  raw: string;
}

/** A real SMTP server in the test process that records every message it accepts. */
export class TestSmtp {
  readonly messages: ReceivedMail[] = [];
  /** Recipients answered with 550 at RCPT TO. */
  readonly rejectPermanently = new Set<string>();
  /** Delay before accepting each message (to keep messages in flight). */
  delayMs = 0;
  /** Connection errors seen (a client killed mid-session resets its socket). */
  readonly connectionErrors: Error[] = [];
  private server: SMTPServer | null = null;

  constructor(public port = 0) {}

  static async freePort(): Promise<number> {
    return new Promise((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
  }

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      maxClients: 100,
      onRcptTo: (address, _session, callback) => {
        if (this.rejectPermanently.has(address.address.toLowerCase())) {
          const err = Object.assign(new Error('No such user here'), { responseCode: 550 });
          callback(err);
          return;
        }
        callback();
      },
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          simpleParser(raw)
            .then(async (m) => {
              if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
              this.messages.push({
                messageId: m.messageId ?? '',
                to: Array.isArray(m.to) ? m.to.map((t) => t.text).join(', ') : (m.to?.text ?? ''),
                from: m.from?.text ?? '',
                subject: m.subject ?? '',
                text: m.text ?? '',
                html: typeof m.html === 'string' ? m.html : '',
                headers: m.headers as Map<string, unknown>,
                raw,
              });
              callback();
            })
            .catch((err: Error) => callback(err));
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => {
        this.server!.off('error', reject);
        this.server!.on('error', (err: Error) => this.connectionErrors.push(err));
        resolve();
      });
    });
    this.port = (this.server.server.address() as net.AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  to(address: string): ReceivedMail[] {
    return this.messages.filter((m) => m.to.toLowerCase().includes(address.toLowerCase()));
  }

  /** How many times each Message-ID arrived. */
  countsByMessageId(): Map<string, number> {
    const out = new Map<string, number>();
    for (const m of this.messages) out.set(m.messageId, (out.get(m.messageId) ?? 0) + 1);
    return out;
  }

  async waitFor(pred: () => boolean, timeoutMs = 20_000): Promise<void> {
    await waitFor(pred, { timeout: timeoutMs, interval: 50, message: () => `mail (have ${this.messages.length})` });
  }
}

/** A header exactly as it arrived (unfolded), from the raw message. */
export function header(m: ReceivedMail, name: string): string {
  const head = m.raw.split(/\r?\n\r?\n/)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const line = unfolded.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line ? line.slice(name.length + 1).trim() : '';
}

/** Header names in order of appearance (to check nothing was injected). */
export function headerNames(m: ReceivedMail): string[] {
  const head = (m.raw.split(/\r?\n\r?\n/)[0] ?? '').replace(/\r?\n[ \t]+/g, ' ');
  return head.split(/\r?\n/).map((l) => l.split(':')[0]!.toLowerCase());
}
