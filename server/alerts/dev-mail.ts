import type { AddressInfo } from 'node:net';
import express, { type Router } from 'express';
import { SMTPServer } from 'smtp-server';
import type { Logger } from '../logger';
import { escapeHtml } from '../mail/compose';

export interface CaughtMail {
  id: number;
  receivedAt: Date;
  from: string;
  to: string;
  subject: string;
  messageId: string;
  listUnsubscribe: string;
  text: string;
}

/**
 * Development only: a local SMTP server started with the app when SMTP_HOST is not set, keeping the last
 * `max` messages in memory so a new developer can see alerts arrive at /dev/mail. Never used in production.
 */
export class DevMailbox {
  readonly messages: CaughtMail[] = [];
  private server: SMTPServer | null = null;
  private nextId = 1;
  port = 0;

  constructor(
    private readonly logger?: Logger,
    private readonly max = 200,
  ) {}

  async start(): Promise<number> {
    const { simpleParser } = await import('mailparser');
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      size: 5 * 1024 * 1024,
      onData: (stream, _session, callback) => {
        simpleParser(stream)
          .then((m) => {
            const header = (k: string) => {
              const v = m.headers.get(k);
              return typeof v === 'string' ? v : v ? JSON.stringify(v) : '';
            };
            this.messages.unshift({
              id: this.nextId++,
              receivedAt: new Date(),
              from: m.from?.text ?? '',
              to: Array.isArray(m.to) ? m.to.map((t) => t.text).join(', ') : (m.to?.text ?? ''),
              subject: m.subject ?? '',
              messageId: m.messageId ?? '',
              // mailparser folds List-* headers into one object; the raw line keeps the header as sent.
              listUnsubscribe:
                m.headerLines.find((l) => l.key === 'list-unsubscribe')?.line.replace(/^list-unsubscribe:\s*/i, '') ??
                header('list-unsubscribe'),
              text: m.text ?? '',
            });
            if (this.messages.length > this.max) this.messages.length = this.max;
            callback();
          })
          .catch((err: Error) => callback(err));
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => {
        // After listening, errors are per connection (a client that drops mid-session): log, never crash.
        this.server!.off('error', reject);
        this.server!.on('error', (err: Error) => this.logger?.warn({ err: err.message }, 'dev mail connection error'));
        resolve();
      });
    });
    this.port = (this.server.server.address() as AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function shell(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · Dev mail</title><link rel="stylesheet" href="/api/alerts/page.css"></head>
<body><main class="wide"><span class="brand">StayWatch · development mail catcher</span><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

/** GET /dev/mail (list) and /dev/mail/:id (one message as text): mounted only in development. */
export function devMailRouter(box: DevMailbox): Router {
  const r = express.Router();
  r.get('/', (_req, res) => {
    const rows = box.messages
      .map(
        (m) =>
          `<li><a href="/dev/mail/${m.id}">${escapeHtml(m.subject || '(no subject)')}</a> — to ${escapeHtml(m.to)} <span class="note">${m.receivedAt.toISOString()}</span></li>`,
      )
      .join('');
    res
      .type('html')
      .send(
        shell(
          `${box.messages.length} message${box.messages.length === 1 ? '' : 's'}`,
          `<p class="note">Mail sent by this development server (SMTP on 127.0.0.1:${box.port}); newest first, last 200 kept in memory.</p><ul>${rows || '<li>Nothing yet. Subscribe to an alert to get a confirmation email.</li>'}</ul>`,
        ),
      );
  });
  r.get('/:id', (req, res) => {
    const m = box.messages.find((x) => String(x.id) === req.params.id);
    if (!m) {
      res.status(404).type('html').send(shell('Not found', '<p><a href="/dev/mail">All messages</a></p>'));
      return;
    }
    const linked = escapeHtml(m.text).replace(/(https?:\/\/[^\s<&]+(?:&amp;[^\s<&]+)*)/g, (u) => `<a href="${u}">${u}</a>`);
    res.type('html').send(
      shell(
        m.subject,
        `<p class="note">From ${escapeHtml(m.from)} to ${escapeHtml(m.to)}<br>Message-ID ${escapeHtml(m.messageId)}<br>List-Unsubscribe ${escapeHtml(m.listUnsubscribe || '–')}</p>
<pre class="mail">${linked}</pre><p><a href="/dev/mail">All messages</a></p>`,
      ),
    );
  });
  return r;
}
