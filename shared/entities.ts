/**
 * Linked intelligence: the phone numbers ("deal lines"), vehicles, listings and line names a report mentions,
 * normalised so the same thing written differently gets the same key.
 *
 * Keys: `phone:+447700900123`, `vehicle:AB12CDE`, `listing:airbnb:12345678`, `listing:booking:gb/sea-view`,
 * `listing:vrbo:1234567`, `listing:web:example.com/flat-2`, `line:bravo`. A key is safe in a URL path segment once
 * `encodeURIComponent`ed. Extraction is pure string work (no Intl, no allocation-heavy parsing), run on every report.
 */

export const ENTITY_KINDS = ['phone', 'vehicle', 'listing', 'line'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];
export type EntitySource = 'field' | 'description' | 'listingUrl';

/** One entity a report mentions: its key, how it reads normalised, and how the reporter wrote it. */
export interface EntityMention {
  key: string;
  kind: EntityKind;
  /** Normalised, for people: "+44 7700 900123", "AB12 CDE", "Airbnb room 12345678", "Bravo line". */
  label: string;
  /** As written in the report (trimmed). */
  raw: string;
  source: EntitySource;
  /** A registration mark given only in part (structured field only). */
  partial?: boolean;
}

export const ENTITY_KIND_LABEL: Record<EntityKind, string> = {
  phone: 'Phone number',
  vehicle: 'Vehicle',
  listing: 'Listing',
  line: 'Line name',
};

export const kindOfKey = (key: string): EntityKind | null => {
  const k = key.slice(0, key.indexOf(':')) as EntityKind;
  return (ENTITY_KINDS as readonly string[]).includes(k) ? k : null;
};

// ---------------------------------------------------------------- phones

/**
 * A UK number (any common way of writing it) as E.164, or null. `07700 900123`, `+44 7700 900 123`,
 * `0044 7700 900123`, `(0)7700-900-123`, `+44 (0)7700 900123`, `07700900123` → `+447700900123`.
 * Geographic (01, 02), non-geographic (03) and mobile (07) numbers; 01 numbers may have 9 national digits.
 */
export function normalisePhone(text: string): string | null {
  const t = text.trim();
  let digits = t.replace(/\(0\)/g, '').replace(/[^\d+]/g, '');
  if (digits.startsWith('+')) {
    if (!digits.startsWith('+44')) return null;
    digits = digits.slice(3);
  } else if (digits.startsWith('0044')) digits = digits.slice(4);
  else if (digits.startsWith('44') && digits.length === 12) digits = digits.slice(2);
  else if (digits.startsWith('0')) digits = digits.slice(1);
  else if (!/^\(0\)/.test(t)) return null;
  if (digits.startsWith('0')) digits = digits.slice(1);
  if (digits.includes('+')) return null;
  const first = digits[0];
  const ok =
    (digits.length === 10 && (first === '1' || first === '2' || first === '3' || first === '7')) ||
    (digits.length === 9 && first === '1');
  return ok ? `+44${digits}` : null;
}

/** "+44 7700 900123" for mobiles, "+44 20 7946 0000" for London, else "+44 " and the rest. */
export function formatPhone(e164: string): string {
  const n = e164.slice(3);
  if (n.startsWith('7')) return `+44 ${n.slice(0, 4)} ${n.slice(4)}`;
  if (n.startsWith('2')) return `+44 ${n.slice(0, 2)} ${n.slice(2, 6)} ${n.slice(6)}`;
  return `+44 ${n.slice(0, 4)} ${n.slice(4)}`;
}

/** A run of digits, spaces, dots, dashes and brackets that may be a UK number (checked by normalisePhone). */
const PHONE_IN_TEXT = /(?:\+|\b00|\(|\b)(?:[\d().\- ]|\u00a0){9,22}\d\b/g;

function phonesInText(text: string): Array<{ e164: string; raw: string }> {
  const out: Array<{ e164: string; raw: string }> = [];
  for (const m of text.matchAll(PHONE_IN_TEXT)) {
    const raw = m[0].trim();
    const e164 = normalisePhone(raw);
    if (e164) out.push({ e164, raw });
  }
  return out;
}

// ---------------------------------------------------------------- vehicles

/** Current (AB12 CDE), prefix (A123 BCD) and suffix (ABC 123D) formats, spaces optional. */
const REG_CURRENT = /\b([A-Z]{2}[0-9]{2}) ?([A-Z]{3})\b/gi;
/** Prefix and suffix marks are matched in text only in capitals ("was 4x" is not a registration). */
const REG_PREFIX = /\b([A-HJ-PR-Y][0-9]{1,3}) ?([A-Z]{3})\b/g;
const REG_SUFFIX = /\b([A-Z]{3}) ?([0-9]{1,3}[A-HJ-NP-Y])\b/g;
const REG_FULL = /^(?:[A-Z]{2}[0-9]{2}[A-Z]{3}|[A-HJ-PR-Y][0-9]{1,3}[A-Z]{3}|[A-Z]{3}[0-9]{1,3}[A-HJ-NP-Y])$/;

/** A registration mark (full or partial) as compact capitals, or null when it cannot be one. */
export function normaliseVehicle(text: string): { mark: string; partial: boolean } | null {
  const mark = text.toUpperCase().replace(/[^A-Z0-9]/g, '');
  if (mark.length < 2 || mark.length > 8) return null;
  return { mark, partial: !REG_FULL.test(mark) };
}

/** "AB12 CDE", "A123 BCD", "ABC 123D" (a partial mark as given). */
export function formatVehicle(mark: string): string {
  if (/^[A-Z]{2}[0-9]{2}[A-Z]{3}$/.test(mark)) return `${mark.slice(0, 4)} ${mark.slice(4)}`;
  const prefix = /^([A-Z][0-9]{1,3})([A-Z]{3})$/.exec(mark);
  if (prefix) return `${prefix[1]} ${prefix[2]}`;
  const suffix = /^([A-Z]{3})([0-9]{1,3}[A-Z])$/.exec(mark);
  if (suffix) return `${suffix[1]} ${suffix[2]}`;
  return mark;
}

function vehiclesInText(text: string): Array<{ mark: string; raw: string }> {
  const out: Array<{ mark: string; raw: string }> = [];
  for (const re of [REG_CURRENT, REG_PREFIX, REG_SUFFIX]) {
    for (const m of text.matchAll(re)) out.push({ mark: `${m[1]}${m[2]}`.toUpperCase(), raw: m[0] });
  }
  return out;
}

// ---------------------------------------------------------------- listings

/** A listing's platform key and label from its URL, or null when it is not a web address. */
export function normaliseListing(url: string): { key: string; label: string } | null {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  const host = u.hostname.toLowerCase().replace(/^(?:www|m)\./, '');
  const path = decodeURIComponent(u.pathname).toLowerCase();
  if (/(^|\.)airbnb\.[a-z.]+$/.test(host)) {
    const m = /\/rooms\/(?:plus\/)?(\d{3,20})/.exec(path);
    if (m) return { key: `listing:airbnb:${m[1]}`, label: `Airbnb room ${m[1]}` };
  }
  if (/(^|\.)booking\.com$/.test(host)) {
    const m = /\/hotel\/([a-z]{2})\/([a-z0-9-]+?)(?:\.[a-z-]{2,5})?\.html/.exec(path);
    if (m) return { key: `listing:booking:${m[1]}/${m[2]}`, label: `Booking.com ${m[2]} (${m[1]})` };
  }
  if (/(^|\.)vrbo\.[a-z.]+$/.test(host) || /(^|\.)homeaway\.[a-z.]+$/.test(host)) {
    const m = /\/(?:[a-z-]+\/)?p?(\d{5,12})(?:ha)?(?:\/|$)/.exec(path);
    if (m) return { key: `listing:vrbo:${m[1]}`, label: `Vrbo ${m[1]}` };
  }
  const rest = path.replace(/\/+$/, '');
  return { key: `listing:web:${host}${rest}`, label: `${host}${rest}` };
}

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"')\]]+/gi;

// ---------------------------------------------------------------- line names

/** Words that make "X line" ordinary English rather than a line name. */
const NOT_LINE_NAMES = new Set([
  'the',
  'a',
  'phone',
  'main',
  'bus',
  'train',
  'tram',
  'front',
  'deal',
  'land',
  'help',
  'police',
  'branch',
  'hot',
  'fire',
  'finish',
  'start',
  'dotted',
  'red',
  'yellow',
  'white',
  'bottom',
  'top',
  'new',
  'same',
  'this',
  'that',
  'county',
  'telephone',
  'mobile',
  'one',
  'another',
  'first',
  'second',
  'third',
  'last',
  'straight',
  'washing',
  'queue',
]);

/** "the Bravo line", "Bravo", "BRAVO LINE" → `bravo`; null when nothing is left. */
export function normaliseLineName(text: string): string | null {
  const name = text
    .toLowerCase()
    .replace(/[“”"']/g, '')
    .replace(/^\s*the\s+/, '')
    .replace(/\s+line\s*$/, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
  if (name.length < 2 || name.length > 40 || NOT_LINE_NAMES.has(name)) return null;
  return name.replace(/ /g, '-');
}

const titleCase = (slug: string) =>
  slug
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');

/** `the Bravo line`, `"Sam" line`, `Bravo Line`: a capitalised or quoted name right before "line". */
const LINE_IN_TEXT = /(?:["“']([A-Za-z][\w-]{1,20})["”']|\b([A-Z][a-zA-Z0-9-]{1,20}))\s+line\b/g;

function linesInText(text: string): Array<{ slug: string; raw: string }> {
  const out: Array<{ slug: string; raw: string }> = [];
  for (const m of text.matchAll(LINE_IN_TEXT)) {
    const slug = normaliseLineName(m[1] ?? m[2] ?? '');
    if (slug) out.push({ slug, raw: m[0] });
  }
  return out;
}

// ---------------------------------------------------------------- a report's entities

export interface EntityInput {
  description?: string;
  listingUrl?: string | null;
  phones?: string[];
  vehicles?: string[];
  lineNames?: string[];
  /** The reporter's own contact details: never an entity, wherever they appear. */
  contact?: { phone?: string | null; email?: string | null } | null;
}

/**
 * Every entity a report mentions, once per key (structured fields first, then the listing URL, then the
 * description), without the reporter's own phone number (or a phone written in their email address).
 */
export function extractEntities(input: EntityInput): EntityMention[] {
  const excluded = new Set<string>();
  const own = input.contact?.phone ? normalisePhone(input.contact.phone) : null;
  if (own) excluded.add(`phone:${own}`);
  const ownEmail = input.contact?.email?.toLowerCase() ?? null;
  const out: EntityMention[] = [];
  const seen = new Set<string>();
  const add = (m: EntityMention) => {
    if (seen.has(m.key) || excluded.has(m.key)) return;
    seen.add(m.key);
    out.push(m);
  };
  for (const p of input.phones ?? []) {
    const e164 = normalisePhone(p);
    if (e164) add({ key: `phone:${e164}`, kind: 'phone', label: formatPhone(e164), raw: p.trim(), source: 'field' });
  }
  for (const v of input.vehicles ?? []) {
    const n = normaliseVehicle(v);
    if (n)
      add({
        key: `vehicle:${n.mark}`,
        kind: 'vehicle',
        label: formatVehicle(n.mark),
        raw: v.trim(),
        source: 'field',
        ...(n.partial ? { partial: true } : {}),
      });
  }
  for (const l of input.lineNames ?? []) {
    const slug = normaliseLineName(l);
    if (slug) add({ key: `line:${slug}`, kind: 'line', label: `${titleCase(slug)} line`, raw: l.trim(), source: 'field' });
  }
  if (input.listingUrl) {
    const n = normaliseListing(input.listingUrl);
    if (n) add({ key: n.key, kind: 'listing', label: n.label, raw: input.listingUrl.trim(), source: 'listingUrl' });
  }
  let text = input.description ?? '';
  if (!text) return out;
  // The reporter's email address may hold digits that read as a number: take it out of the text first.
  if (ownEmail) text = text.split(ownEmail).join(' ');
  // Cheap tests first: most descriptions have no URL, no digits and no "line", and skip those patterns.
  const hasUrl = /https?:\/\//i.test(text);
  if (hasUrl) {
    for (const m of text.matchAll(URL_IN_TEXT)) {
      const n = normaliseListing(m[0]);
      if (n) add({ key: n.key, kind: 'listing', label: n.label, raw: m[0], source: 'description' });
    }
  }
  const rest = hasUrl ? text.replace(URL_IN_TEXT, ' ') : text;
  if (/\d/.test(rest)) {
    for (const p of phonesInText(rest))
      add({ key: `phone:${p.e164}`, kind: 'phone', label: formatPhone(p.e164), raw: p.raw, source: 'description' });
    for (const v of vehiclesInText(rest))
      add({ key: `vehicle:${v.mark}`, kind: 'vehicle', label: formatVehicle(v.mark), raw: v.raw, source: 'description' });
  }
  if (/line\b/i.test(rest)) {
    for (const l of linesInText(rest))
      add({ key: `line:${l.slug}`, kind: 'line', label: `${titleCase(l.slug)} line`, raw: l.raw, source: 'description' });
  }
  return out;
}

/** Canonical form of a raw mention, to tell "the same, written the same way" from "written differently". */
const compact = (raw: string) => raw.toLowerCase().replace(/\s+/g, ' ').trim();

/** Why two reports are linked by an entity, in words an officer reads: "same number, written differently". */
export function linkReason(kind: EntityKind, rawA: string, rawB: string): string {
  const same = compact(rawA) === compact(rawB);
  const noun = kind === 'phone' ? 'number' : kind === 'vehicle' ? 'registration' : kind === 'listing' ? 'listing' : 'line name';
  if (same) return `same ${noun}`;
  return kind === 'listing' ? 'same listing, different link' : `same ${noun}, written differently`;
}

/**
 * A search box query as the entity key it names, when it reads as one: a phone number, a registration mark, a
 * listing URL, or `line:<name>` / "<name> line". Null otherwise (the caller then matches labels by prefix).
 */
export function keyFromQuery(q: string): string | null {
  const t = q.trim();
  if (!t) return null;
  if (/^[a-z]+:/.test(t) && kindOfKey(t) && !/^https?:/i.test(t)) return t;
  if (/^https?:\/\//i.test(t)) return normaliseListing(t)?.key ?? null;
  const phone = normalisePhone(t);
  if (phone) return `phone:${phone}`;
  if (/\bline$/i.test(t)) {
    const slug = normaliseLineName(t);
    return slug ? `line:${slug}` : null;
  }
  const v = normaliseVehicle(t);
  if (v && !v.partial) return `vehicle:${v.mark}`;
  return null;
}
