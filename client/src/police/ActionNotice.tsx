import type { ReportPatch } from '../../../shared/schemas/police';

/** Which action of the detail panel a confirmation belongs to, so it shows next to that action, not at the top. */
export type ActionKey = 'status' | 'priority' | 'assign' | 'release' | 'note' | 'question' | 'link' | 'unlink';
export interface Notice {
  text: string;
  at: ActionKey;
}

export function actionOf(body: ReportPatch): ActionKey {
  if (body.status) return 'status';
  if (body.priority) return 'priority';
  if (body.assignTo !== undefined) return 'assign';
  if (body.ownerAlert) return 'release';
  if (body.note) return 'note';
  if (body.question) return 'question';
  if (body.unlink) return 'unlink';
  return 'link';
}

/** The confirmation of the last change, where that change was made (a polite live region reads it out). */
export function ActionNotice({ notice, at }: { notice: Notice | null; at: ActionKey | ActionKey[] }) {
  const here = notice && (Array.isArray(at) ? at.includes(notice.at) : notice.at === at);
  return (
    <div aria-live="polite" className="pw-action-notice">
      {here && (
        <p className="alert alert-ok" data-testid={`notice-${notice.at}`}>
          {notice.text}
        </p>
      )}
    </div>
  );
}
