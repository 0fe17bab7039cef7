import type { OfficerList } from '../../shared/schemas/officer';
import { readRoster } from '../accounts/staff-roster';

/**
 * Officers a report can be assigned to: active police accounts of the forces the caller sees (the staff roster,
 * one `_id` read; the same rule the patch checks: an assignee must be someone allowed to change the report).
 */
export async function officersOf(forceIds: string[] | null): Promise<OfficerList> {
  const roster = await readRoster();
  const items = roster
    .filter((m) => m.role === 'police' && !m.disabled && m.forceId && (forceIds === null || forceIds.includes(m.forceId)))
    .map((m) => ({ id: m.id, name: m.name, forceId: m.forceId! }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en-GB'));
  return { items };
}
