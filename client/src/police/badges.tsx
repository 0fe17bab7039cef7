import type { Priority, ReportStatus } from '../../../shared/taxonomy';
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

export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
}
export function formatDate(iso: string): string {
  return new Date(iso).toLocaleDateString('en-GB', { dateStyle: 'medium', timeZone: 'UTC' });
}
