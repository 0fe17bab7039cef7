/**
 * One way to build an email: the plain-text part and the HTML part from the same list of parts, so both say the
 * same words. The HTML is accessible on its own: a language, a title, real headings, lists and links whose text
 * says where they go, readable sizes and contrast, and no layout tables. Everything given is escaped.
 */
export interface Email {
  subject: string;
  text: string;
  html: string;
}

export type Part = { p: string } | { list: string[] } | { link: { href: string; label: string } } | { h: string };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Header-safe: no CR/LF or other control characters, bounded length. */
export function headerSafe(s: string, max = 200): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    out += c < 32 || c === 127 ? ' ' : ch;
  }
  return out.replace(/ {2,}/g, ' ').trim().slice(0, max);
}

const BODY_STYLE =
  'margin:0;padding:16px;font-family:system-ui,-apple-system,Segoe UI,sans-serif;font-size:16px;line-height:1.5;color:#1f2933;background:#ffffff';
const MAIN_STYLE = 'max-width:640px';
const FOOTER_STYLE = 'margin-top:24px;padding-top:12px;border-top:1px solid #cbd2d9;font-size:14px;color:#3e4c59';

/** The document around the body parts: `lang`, charset, title (the subject) and one `main`. */
export function htmlDocument(subject: string, body: string): string {
  return `<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(subject)}</title></head><body style="${BODY_STYLE}"><main style="${MAIN_STYLE}">${body}</main></body></html>`;
}

export function compose(subject: string, parts: Part[]): Email {
  const text: string[] = [];
  const html: string[] = [];
  for (const part of parts) {
    if ('p' in part) {
      text.push(part.p);
      html.push(`<p>${escapeHtml(part.p).replace(/\n/g, '<br>')}</p>`);
    } else if ('h' in part) {
      text.push(part.h.toUpperCase());
      html.push(`<h2 style="font-size:18px;margin:20px 0 4px">${escapeHtml(part.h)}</h2>`);
    } else if ('list' in part) {
      text.push(part.list.map((i) => `- ${i}`).join('\n'));
      html.push(`<ul>${part.list.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`);
    } else {
      text.push(`${part.link.label}: ${part.link.href}`);
      html.push(`<p><a href="${escapeHtml(part.link.href)}" style="color:#0b5cad">${escapeHtml(part.link.label)}</a></p>`);
    }
  }
  const safeSubject = headerSafe(subject, 150);
  return { subject: safeSubject, text: text.join('\n\n'), html: htmlDocument(safeSubject, html.join('\n')) };
}

export const FOOTER_REASON = 'You get this because you confirmed a StayWatch alert.';

/**
 * The unsubscribe footer, added at send time: the same sentence in both parts; the HTML shows a short
 * "Unsubscribe" link, the text part the address it goes to.
 */
export function withUnsubscribeFooter(email: { text: string; html: string }, url: string): { text: string; html: string } {
  const text = `${email.text}\n\n--\n${FOOTER_REASON}\nUnsubscribe: ${url}`;
  const footer = `<footer style="${FOOTER_STYLE}"><p>${FOOTER_REASON}<br><a href="${escapeHtml(url)}" style="color:#0b5cad">Unsubscribe</a></p></footer>`;
  return { text, html: email.html.replace('</main>', `</main>${footer}`) };
}
