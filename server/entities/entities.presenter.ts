import type { EntityReport } from '../../shared/schemas/entities';
import { ukIsoWithOffset } from '../../shared/time';
import type { ReportIndex } from '../map/report-index';
import { reportFieldsAt } from '../triage/triage.presenter';

/** One report on an entity's page, from its index slot: the force for admins only, and the text that named the entity. */
export function presentEntityReport(ix: ReportIndex, slot: number, admin: boolean, raw: string): EntityReport {
  return {
    ...reportFieldsAt(ix, slot),
    observedFromUk: ukIsoWithOffset(ix.fromMs[slot]!),
    ...(admin ? { forceId: ix.forceAt(slot) } : {}),
    raw,
  };
}
