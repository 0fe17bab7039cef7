import { normaliseReference as normaliseTypedReference } from '../../shared/follow-up-keys';
import type { SearchMatchKind, SearchResults } from '../../shared/schemas/officer';
import { REFERENCE_REGEX } from '../../shared/schemas/reports';
import type { ReportIndex } from '../map/report-index';
import { reportIdFor } from '../reports/report-id';
import { addressSearchOf } from './address-search';
import { summaryFromIndex } from './triage.presenter';
import { userNames } from './user-names';

/**
 * The officer's one search box: GET /api/reports/search?q=. Each matcher turns the query into slots of the
 * in-memory report index (never a database query: see the point-read rule in ENGINEERING.md); results keep the
 * kind of the first matcher that found them. Other features add matchers per call (the entity index's, in
 * server/entities/entity-search.ts).
 */
export interface SearchContext {
  ix: ReportIndex;
  /** Whether the caller may see the report in this slot (alive, in a force they see). */
  visible(slot: number): boolean;
}

export interface SearchMatcher {
  kind: SearchMatchKind;
  /** Slots of the index matching `q` and visible to the caller; may be async (an entity store read by `_id`). */
  match(q: string, ctx: SearchContext): number[] | Promise<number[]>;
}

/**
 * `sw 7k3p 9qxd`, `SW-7K3P-9QXD`, `7k3p9qxd`, `sw/7k3p/9qxd` → `SW-7K3P-9QXD`; null when it cannot be a reference.
 * The follow-up form's normalisation (shared/follow-up-keys.ts), over the query's letters and digits only.
 */
export function normaliseReference(q: string): string | null {
  const ref = normaliseTypedReference(q.toUpperCase().replace(/[^A-Z0-9]/g, ''));
  return REFERENCE_REGEX.test(ref) ? ref : null;
}

/** A reference is the report's `_id` (reports/report-id.ts): one hash and one lookup in the index's id table. */
export const referenceMatcher: SearchMatcher = {
  kind: 'reference',
  match(q, { ix, visible }) {
    const ref = normaliseReference(q);
    if (!ref) return [];
    const slot = ix.slotOf(reportIdFor(ref).toHexString());
    return slot >= 0 && ix.referenceAt(slot) === ref && visible(slot) ? [slot] : [];
  },
};

export const addressMatcher: SearchMatcher = {
  kind: 'address',
  match: (q, { ix, visible }) => addressSearchOf(ix).match(q, visible),
};

const BUILT_IN: SearchMatcher[] = [referenceMatcher, addressMatcher];

/**
 * Runs every matcher; results in the queue's order (safeguarding first, newest first) after the reference hit.
 * `forceIds` null: every force (police_admin).
 */
export async function searchReports(
  ix: ReportIndex,
  forceIds: string[] | null,
  q: string,
  limit: number,
  /** Matchers of other features (the entity index), after the built-in ones: a report found by reference or address keeps that kind. */
  extra: readonly SearchMatcher[] = [],
): Promise<SearchResults> {
  const matchers = [...BUILT_IN, ...extra];
  const codes = forceIds ? new Set(forceIds.map((f) => ix.forceIds.indexOf(f)).filter((c) => c >= 0)) : null;
  const ctx: SearchContext = {
    ix,
    visible: (s) => ix.alive[s] === 1 && (codes === null || codes.has(ix.force[s]!)),
  };
  const found = new Map<number, SearchMatchKind>();
  for (const m of matchers) {
    for (const s of await m.match(q, ctx)) if (!found.has(s) && ctx.visible(s)) found.set(s, m.kind);
  }
  const rank = (s: number) => (found.get(s) === 'reference' ? 1 : 0);
  const slots = [...found.keys()].sort(
    (a, b) => rank(b) - rank(a) || ix.prio[b]! - ix.prio[a]! || ix.createdMs[b]! - ix.createdMs[a]!,
  );
  const page = slots.slice(0, limit);
  const names = await userNames(page.map((s) => ix.assigneeAt(s)));
  return {
    items: page.map((s) => ({ ...summaryFromIndex(ix, s, names), matchedBy: found.get(s)! })),
    more: slots.length > limit,
  };
}
