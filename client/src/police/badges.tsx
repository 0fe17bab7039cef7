import type { Priority, ReportStatus } from '../../../shared/taxonomy';
import { formatUkDate, formatUkDateTime } from '../../../shared/time';
import { STATUS_LABEL } from './view-state';

/** Priority in words and a star, never by colour alone. */
export function PriorityBadge({ priority }: { priority: Priority }) {
  return priority === 'safeguarding' ? (
    <span className="badge badge-danger pw-badge-sg">
      <span aria-hidden="true">★ </span>Safeguarding
    </span>
  ) : (
    <span className="badge pw-badge-std">Standard</span>
  );
}

export function StatusBadge({ status }: { status: ReportStatus }) {
  return <span className={`badge pw-status pw-status-${status}`}>{STATUS_LABEL[status]}</span>;
}

/** UK local time (GMT/BST said), whatever the officer's device is set to. */
export const formatDateTime = (iso: string): string => formatUkDateTime(iso);
export const formatDate = (iso: string): string => formatUkDate(iso);
