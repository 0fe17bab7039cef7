import type { ReportFilters } from '../../shared/schemas/police';
import type { AuthContext } from '../accounts/session.types';
import { seesForce, visibleForces } from '../http/policy';
import type { FilterInput } from './report-index';

/**
 * May this user see a report of this force? The policy's `sameForce` rule (server/http/policy.ts).
 * @deprecated Call `canOnObject(auth.user, action, report)` from the policy; kept until its last caller moves.
 */
export function canSeeForce(auth: AuthContext, forceId: string): boolean {
  return seesForce(auth.user, forceId);
}

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
