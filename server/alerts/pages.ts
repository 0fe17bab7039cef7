import { escapeHtml } from '../mail/compose';

/** Small server-rendered pages for email links: escaped content, our stylesheet, no script (CSP-safe). */
export const PAGE_CSS = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f5f7fa;color:#1f2933;margin:0;line-height:1.5}
main{max-width:34rem;margin:4rem auto;background:#fff;border:1px solid #d9e2ec;border-radius:12px;padding:2rem}
h1{font-size:1.4rem;margin:0 0 1rem}p{margin:0 0 1rem}.brand{font-weight:700;color:#243b53;margin-bottom:1.5rem;display:block}
button{font:inherit;font-weight:600;background:#2f5d8a;color:#fff;border:0;border-radius:8px;padding:.7rem 1.3rem;cursor:pointer}
button:hover{background:#244a6e}button:focus-visible{outline:3px solid #f0b429;outline-offset:2px}
.danger{background:#a61b1b}.danger:hover{background:#8a1414}.note{font-size:.9rem;color:#52606d}a{color:#2f5d8a}
main.wide{max-width:60rem}pre.mail{white-space:pre-wrap;overflow-wrap:anywhere;font:inherit}`;

export function page(title: string, paragraphs: string[], form?: { action: string; button: string; danger?: boolean }): string {
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
  const formHtml = form
    ? `<form method="post" action="${escapeHtml(form.action)}"><button type="submit"${form.danger ? ' class="danger"' : ''}>${escapeHtml(form.button)}</button></form>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)} · StayWatch</title>
<link rel="stylesheet" href="/api/alerts/page.css"></head>
<body><main><span class="brand">StayWatch</span><h1>${escapeHtml(title)}</h1>
${body}
${formHtml}
<p class="note">StayWatch is not an emergency service. If someone is in danger now, call 999.</p>
<p class="note"><a href="/">Go to StayWatch</a></p></main></body></html>`;
}
