/**
 * The reference and passphrase as a reporter types them, normalised the same way on both sides: any case,
 * spaces (or dots, underscores, several dashes) for hyphens, and a reference typed without its hyphens or its
 * `SW` prefix. `sw 7k3p 9qxd`, `SW7K3P9QXD` and `7K3P-9QXD` all read as `SW-7K3P-9QXD`.
 */
function separated(s: string): string {
  return s
    .normalize('NFKC')
    .trim()
    .replace(/[\s._\u2010-\u2015-]+/g, '-')
    .replace(/^-|-$/g, '');
}

export function normaliseReference(input: string): string {
  const compact = separated(input).toUpperCase().replace(/-/g, '');
  const body = compact.startsWith('SW') && compact.length === 10 ? compact.slice(2) : compact;
  return body.length === 8 ? `SW-${body.slice(0, 4)}-${body.slice(4)}` : separated(input).toUpperCase();
}

export function normalisePassphrase(input: string): string {
  return separated(input).toLowerCase();
}
