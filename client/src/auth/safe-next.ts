/**
 * The in-app path to go to after signing in, or null when `next` could leave the site: only a path on our own
 * origin counts ("/police?x=1"), never "//evil.example", "/\evil.example", "https://…" or "javascript:…".
 */
export function safeNextPath(next: string | null | undefined): string | null {
  if (!next?.startsWith('/') || next.startsWith('//')) return null;
  // Browsers treat "\\" as "/" and drop tabs and newlines, so "/\\evil" or "/<tab>/evil" would leave the site.
  if (next.includes('\\') || [...next].some((c) => c.charCodeAt(0) < 0x20)) return null;
  try {
    const base = 'https://staywatch.invalid';
    const url = new URL(next, base);
    if (url.origin !== base) return null;
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return null;
  }
}
