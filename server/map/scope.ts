import type { ReportFilters } from '../../shared/schemas/police';
import type { AuthContext } from '../accounts/session.types';
import type { FilterInput } from './report-index';

/**
 * Which forces a police user may see: an officer only their own force (none if unassigned);
 * a police_admin every force, or the one named with `force=`.
 */
export function scopeForces(auth: AuthContext, force: string | undefined): string[] | null {
  if (auth.user.role === 'police_admin') return force ? [force] : null;
  return auth.user.forceId ? [auth.user.forceId] : [];
}

/** May this user see a report of this force? */
export function canSeeForce(auth: AuthContext, forceId: string): boolean {
  if (auth.user.role === 'police_admin') return true;
  return auth.user.role === 'police' && auth.user.forceId === forceId;
}

/** Query filters + the caller's scope → index filter input. */
export function filterInput(auth: AuthContext, f: ReportFilters): FilterInput {
  return {
    forceIds: scopeForces(auth, f.force),
    bbox: f.bbox,
    from: f.from,
    to: f.to,
    indicators: f.indicators,
    types: f.types,
    statuses: f.statuses,
    priority: f.priority,
    q: f.q,
  };
}
