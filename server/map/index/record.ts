import { PROPERTY_TYPE_IDS, REPORT_STATUSES, REPORTER_ROLE_IDS } from '../../../shared/taxonomy';

/** The fields the index needs from a report (a lean document with `INDEX_PROJECTION` works). */
export interface IndexRecord {
  _id: { toString(): string } | string;
  reference: string;
  lat: number;
  lng: number;
  address: string | null;
  propertyType: string;
  indicators: number[];
  priority: string;
  status: string;
  forceId: string;
  observedFrom: Date;
  observedTo: Date;
  createdAt: Date;
  reporterRole?: string;
  ownerAlert?: string;
  assignedTo?: { toString(): string } | null;
  /** New information from the reporter the assigned officer has not opened yet. */
  unread?: boolean;
}

export const TYPE_CODE = new Map<string, number>(PROPERTY_TYPE_IDS.map((t, i) => [t, i]));
export const STATUS_CODE = new Map<string, number>(REPORT_STATUSES.map((s, i) => [s, i]));
export const ROLE_CODE = new Map<string, number>(REPORTER_ROLE_IDS.map((r, i) => [r, i]));

/** The `code` column of an alive slot: force << 7 | 64 | type | status << 2 | priority << 5. */
export const slotCode = (force: number, type: number, status: number, prio: number): number =>
  (force << 7) | 64 | type | (status << 2) | (prio << 5);
