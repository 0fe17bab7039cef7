import { type EntityMention, extractEntities } from '../../shared/entities';
import { indicatorsFor, type PropertyType, priorityOf, REPORTER_ROLE_IDS, type ReportStatus } from '../../shared/taxonomy';
import type { ForceLocator } from '../geo/force-locator';
import { cellKeys } from '../geo/geohash';
import { REFERENCE_ALPHABET } from '../reports/reference';
import { STREETS, TOWNS, type Town } from './areas';
import { Random } from './random';

const DAY = 86_400_000;
const KM_LAT = 1 / 110.574;
const kmLng = (lat: number) => 1 / (111.32 * Math.cos((lat * Math.PI) / 180));

/** Property-type mix and indicator leanings: hotels see payment/ID issues, homes see cuckooing signs. */
const TYPE_WEIGHTS: Record<PropertyType, number> = { S: 4, H: 3, R: 3, U: 1 };
const LEANINGS: Record<PropertyType, number[]> = {
  H: [9, 10, 12, 1, 13],
  S: [1, 2, 11, 13, 17],
  R: [15, 16, 1, 17, 18],
  U: [3, 4, 2, 13, 15],
};

export interface GeneratedProperty {
  lat: number;
  lng: number;
  type: PropertyType;
  address: string;
  forceId: string;
}

export interface GeneratedReport {
  reference: string;
  lat: number;
  lng: number;
  cells: ReturnType<typeof cellKeys>;
  address: string | null;
  propertyType: PropertyType;
  indicators: number[];
  description: string;
  observedFrom: Date;
  observedTo: Date;
  reporterRole: (typeof REPORTER_ROLE_IDS)[number];
  priority: 'safeguarding' | 'standard';
  status: ReportStatus;
  forceId: string;
  createdAt: Date;
  updatedAt: Date;
  entities?: EntityMention[];
}

export interface GenerateOptions {
  seed?: number;
  now?: Date;
  /** Days of history to spread reports over. */
  days?: number;
  /** Share of reports at a repeat property. */
  repeatShare?: number;
  locator: ForceLocator;
}

function pointNear(rnd: Random, town: Town, locator: ForceLocator): { lat: number; lng: number } {
  for (let tries = 0; tries < 50; tries++) {
    // Density falls off from the centre: a normal radius with a heavier tail for outskirts.
    const r = Math.abs(rnd.normal()) * town.spreadKm * (rnd.chance(0.15) ? 2.5 : 1);
    const a = rnd.next() * 2 * Math.PI;
    const lat = town.lat + r * Math.sin(a) * KM_LAT;
    const lng = town.lng + r * Math.cos(a) * kmLng(town.lat);
    if (locator.locate(lat, lng) === town.forceId) return { lat: round6(lat), lng: round6(lng) };
  }
  return { lat: town.lat, lng: town.lng };
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** Evening and night heavy, weekends busier: the hour an observation starts. */
function observationStart(rnd: Random, day: Date): Date {
  const hourWeights = [5, 4, 3, 2, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 5, 6, 7, 8, 9, 8, 6];
  const hour = rnd.weighted(
    hourWeights.map((w, h) => ({ w, h })),
    (x) => x.w,
  ).h;
  const d = new Date(day);
  d.setUTCHours(hour, rnd.int(0, 60), 0, 0);
  return d;
}

function pickDay(rnd: Random, now: number, days: number, emerging: boolean): Date {
  for (;;) {
    // Emerging hotspots concentrate in the last few weeks; others spread over the period.
    const ago = emerging ? Math.floor(Math.abs(rnd.normal()) * 14) : rnd.int(0, days);
    const d = new Date(now - ago * DAY);
    const weekend = d.getUTCDay() === 5 || d.getUTCDay() === 6;
    if (weekend || rnd.chance(0.75)) return d;
  }
}

function statusFor(rnd: Random, ageDays: number): ReportStatus {
  if (ageDays < 3) return rnd.chance(0.8) ? 'new' : 'triaged';
  if (ageDays < 30) return rnd.pick(['new', 'triaged', 'triaged', 'under_investigation']);
  return rnd.weighted(
    [
      { s: 'closed' as const, w: 5 },
      { s: 'actioned' as const, w: 3 },
      { s: 'under_investigation' as const, w: 1 },
      { s: 'rejected' as const, w: 1 },
    ],
    (x) => x.w,
  ).s;
}

function generatedReference(i: number, seed: number): string {
  // Deterministic and unique per (seed, i); the Z prefix keeps them apart from random live references.
  let n = i * 7919 + seed * 104729;
  let s = '';
  for (let k = 0; k < 7; k++) {
    s += REFERENCE_ALPHABET[n % 30];
    n = Math.floor(n / 30);
  }
  return `SW-Z${s.slice(0, 3)}-${s.slice(3, 7)}`;
}

/**
 * Generates realistic synthetic reports: clustered around real towns, a share at repeat properties,
 * emerging hotspots in recent weeks, time-of-day/weekday patterns, indicators correlated with type.
 * Streams in batches so a million reports never sit in memory at once.
 */
export function* generateReports(count: number, opts: GenerateOptions): Generator<GeneratedReport> {
  const seed = opts.seed ?? 1;
  const rnd = new Random(seed);
  const now = (opts.now ?? new Date()).getTime();
  const days = opts.days ?? 365;
  const repeatShare = opts.repeatShare ?? 0.3;
  const properties = generateProperties(Math.max(10, Math.ceil(count / 20)), {
    ...opts,
    seed: seed + 1,
  });
  const emergingTowns = new Set([TOWNS[1]!.name, TOWNS[3]!.name]);
  // Its own stream, so adding entities left every other generated value as it was.
  const erand = new Random(seed + 2);

  for (let i = 0; i < count; i++) {
    const repeat = rnd.chance(repeatShare);
    const prop = repeat ? rnd.pick(properties) : null;
    const town = rnd.weighted(TOWNS, (t) => t.weight);
    const type = prop?.type ?? rnd.weighted(['S', 'H', 'R', 'U'] as PropertyType[], (t) => TYPE_WEIGHTS[t]);
    const { lat, lng } = prop ?? pointNear(rnd, town, opts.locator);
    const forceId = prop?.forceId ?? town.forceId;
    const emerging = emergingTowns.has(town.name) && rnd.chance(0.3);
    const day = pickDay(rnd, now, days, emerging);
    const from = observationStart(rnd, day);
    const to = new Date(from.getTime() + rnd.int(0, 6) * 3_600_000 + rnd.int(0, 60) * 60_000);
    const created = new Date(Math.min(now, to.getTime() + rnd.int(1, 48) * 3_600_000));
    const applicable = indicatorsFor(type).map((x) => x.id);
    const lean = LEANINGS[type];
    const picked = new Set<number>();
    const n = rnd.weighted([1, 2, 3, 4], (k) => 5 - k);
    while (picked.size < n) picked.add(rnd.chance(0.6) ? rnd.pick(lean) : rnd.pick(applicable));
    if (rnd.chance(0.04)) picked.add(rnd.pick([3, 4, 14]));
    const indicators = [...picked].filter((id) => applicable.includes(id)).sort((a, b) => a - b);
    if (indicators.length === 0) indicators.push(1);
    const ageDays = (now - created.getTime()) / DAY;
    let description = rnd.chance(0.7) ? describe(rnd, type) : '';
    // A share of reports mention a shared deal line, vehicle or listing, written in different ways, so the demo
    // shows linked intelligence (Ofcom's drama range 07700 900xxx: never a real number).
    let entities: EntityMention[] | undefined;
    if (erand.chance(ENTITY_SHARE)) {
      description =
        `${description} ${mentionOf(erand, erand.int(0, Math.max(8, Math.round((count * ENTITY_SHARE) / 5)) - 1))}`.trim();
      entities = extractEntities({ description });
    }
    yield {
      ...(entities?.length ? { entities } : {}),
      reference: generatedReference(i, seed),
      lat,
      lng,
      cells: cellKeys(lat, lng),
      address: prop?.address ?? (rnd.chance(0.6) ? `${rnd.int(1, 200)} ${rnd.pick(STREETS)}, ${town.name}` : null),
      propertyType: type,
      indicators,
      description,
      observedFrom: from,
      observedTo: to,
      reporterRole: rnd.pick(REPORTER_ROLE_IDS),
      priority: priorityOf(indicators),
      status: statusFor(rnd, ageDays),
      forceId,
      createdAt: created,
      updatedAt: created,
    };
  }
}

export function generateProperties(count: number, opts: GenerateOptions): GeneratedProperty[] {
  const rnd = new Random((opts.seed ?? 1) * 31 + 7);
  return Array.from({ length: count }, () => {
    const town = rnd.weighted(TOWNS, (t) => t.weight);
    const { lat, lng } = pointNear(rnd, town, opts.locator);
    return {
      lat,
      lng,
      type: rnd.weighted(['S', 'H', 'R', 'U'] as PropertyType[], (t) => TYPE_WEIGHTS[t]),
      address: `${rnd.int(1, 200)} ${rnd.pick(STREETS)}, ${town.name}`,
      forceId: town.forceId,
    };
  });
}

const PHRASES: Record<PropertyType, string[]> = {
  H: ['Guest paid cash for one night then extended day by day.', 'Several young visitors went up to the room within an hour.'],
  S: ['Booked for two guests; at least six people coming and going.', 'Cars pull up for a few minutes through the night.'],
  R: ['Neighbour not seen for weeks; new faces coming and going.', 'Door propped open and buzzers pressed late at night.'],
  U: ['Young resident returns late with older men waiting outside.', 'Resident seems scared and has new phones.'],
};
/** Share of generated reports that mention an entity (each entity about five reports). */
const ENTITY_SHARE = 0.2;
const LINE_NAMES = ['Bravo', 'Tango', 'Kilo', 'Smokey', 'Jay', 'Ace', 'Blue', 'Dee'];
const LETTERS = 'ABCDEFGHJKLMNPRSTVWXY';

/** Entity number `k` (its kind by k mod 4), written one of several ways. */
function mentionOf(rnd: Random, k: number): string {
  const kind = k % 4;
  if (kind === 0 || kind === 3) {
    const n = String(900000 + ((k * 7919) % 100000)).padStart(6, '0');
    const written = rnd.pick([
      `07700 ${n}`,
      `+44 7700 ${n.slice(0, 3)} ${n.slice(3)}`,
      `07700${n}`,
      `(0)7700-${n.slice(0, 3)}-${n.slice(3)}`,
    ]);
    return kind === 3
      ? `They call it the ${LINE_NAMES[k % LINE_NAMES.length]} line, number ${written}.`
      : rnd.pick([`A card said text ${written}.`, `Guests kept ringing ${written}.`]);
  }
  if (kind === 1) {
    const l = (i: number) => LETTERS[(k * 13 + i * 7) % LETTERS.length];
    const mark = `${l(0)}${l(1)}${String(10 + (k % 60)).padStart(2, '0')} ${l(2)}${l(3)}${l(4)}`;
    return `Same car ${rnd.chance(0.5) ? mark : mark.replace(' ', '').toLowerCase()} drops people off.`;
  }
  const id = 40_000_000 + k * 101;
  return `Listing: https://www.airbnb.${rnd.pick(['co.uk', 'com', 'ie'])}/rooms/${id}${rnd.chance(0.5) ? '?adults=2' : ''}`;
}

function describe(rnd: Random, type: PropertyType): string {
  return rnd.pick(PHRASES[type]);
}
