import type { ReportFilters } from '../../shared/schemas/police';
import type { AuthContext } from '../accounts/session.types';
import { visibleForces } from '../http/policy';
import type { FilterInput } from './report-index';

/** Query filters + the caller's scope (the policy's `sameForce` rule for lists) → index filter input. */
export function filterInput(auth: AuthContext, f: ReportFilters): FilterInput {
  return {
    forceIds: visibleForces(auth.user, f.force),
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
