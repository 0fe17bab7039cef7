/** The officer's daily actions (issue 13): one search box, the force's officers to assign to. */
import { z } from 'zod';
import { ReportSummary, reportFilterShape } from './police';

/**
 * How a search result was found. Every matcher of server/triage/search.ts has one kind; a new matcher (the linked
 * entities one) adds its kind here and registers itself there.
 */
export const SEARCH_MATCH_KINDS = ['reference', 'address', 'entity'] as const;
export const SearchMatchKind = z.enum(SEARCH_MATCH_KINDS);
export type SearchMatchKind = z.infer<typeof SearchMatchKind>;

export const SearchQuery = z.strictObject({
  q: z.string().trim().min(2).max(200).meta({ description: 'A reference (spaces, hyphens and case ignored) or address words' }),
  limit: z.coerce.number().int().min(1).max(50).default(20),
  force: reportFilterShape.force,
});
export type SearchQuery = z.output<typeof SearchQuery>;

export const SearchResult = ReportSummary.extend({ matchedBy: SearchMatchKind }).meta({ id: 'SearchResult' });
export type SearchResult = z.infer<typeof SearchResult>;

export const SearchResults = z
  .object({
    items: z.array(SearchResult),
    /** More reports matched than `limit`: refine the search. */
    more: z.boolean(),
  })
  .meta({ id: 'SearchResults' });
export type SearchResults = z.infer<typeof SearchResults>;

export const Officer = z.object({ id: z.string(), name: z.string(), forceId: z.string() }).meta({ id: 'Officer' });
export type Officer = z.infer<typeof Officer>;

export const OfficersQuery = z.strictObject({
  force: z
    .string()
    .regex(/^[a-z0-9-]{2,40}$/)
    .optional()
    .meta({ description: 'police_admin: the force whose officers to list (default: every force)' }),
});
export type OfficersQuery = z.output<typeof OfficersQuery>;

export const OfficerList = z.object({ items: z.array(Officer) }).meta({ id: 'OfficerList' });
export type OfficerList = z.infer<typeof OfficerList>;
