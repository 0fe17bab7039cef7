import { keyFromQuery } from '../../shared/entities';
import type { SearchMatcher } from '../triage/search';
import type { EntityIndex } from './entity-index';

/**
 * The workspace search box's entity matcher: a query that names an entity (a phone number however written, a full
 * registration mark, a listing URL, "<name> line") finds the reports that mention it, from the in-memory entity
 * index (never the reports collection). Visibility is the search's own (the caller's force).
 */
export function entityMatcher(entities: EntityIndex): SearchMatcher {
  return {
    kind: 'entity',
    match(q, { ix, visible }) {
      const key = keyFromQuery(q);
      if (!key || !entities.has(key)) return [];
      const slots: number[] = [];
      const list = entities.listOf(key);
      for (let i = 0; i < list.n; i++) {
        const slot = entities.slotIn(ix, list.rids[i]!);
        if (slot >= 0 && visible(slot)) slots.push(slot);
      }
      return slots;
    },
  };
}
