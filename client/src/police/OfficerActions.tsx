import { type FormEvent, useState } from 'react';
import type { OfficerList } from '../../../shared/schemas/officer';
import type { ReportDetail, ReportPatch } from '../../../shared/schemas/police';
import { useApiGet } from '../api/useApiGet';
import { Field } from '../forms/Field';
import './officer-actions.css';

type Patch = (body: ReportPatch, done: string) => Promise<boolean>;

/** Change priority with a reason (both audited); the reason is required and checked here and on the server. */
export function PriorityForm({ detail, busy, patch }: { detail: ReportDetail; busy: boolean; patch: Patch }) {
  const [reasonError, setReasonError] = useState<string | null>(null);
  const next = detail.priority === 'safeguarding' ? 'standard' : 'safeguarding';
  async function handleSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const reason = String(new FormData(form).get('priorityReason') ?? '').trim();
    if (reason.length < 3) {
      setReasonError('Give a reason for the change (at least 3 characters).');
      return;
    }
    setReasonError(null);
    const label = next === 'safeguarding' ? 'Safeguarding' : 'Standard';
    if (await patch({ priority: next, priorityReason: reason }, `Priority changed to ${label}.`)) form.reset();
  }
  return (
    <form className="pw-inline-form oa-form" onSubmit={handleSubmit} noValidate aria-labelledby="oa-priority-title">
      <h4 id="oa-priority-title" className="oa-title">
        Priority
      </h4>
      <Field
        id="oa-priority-reason"
        label={`Reason for changing to ${next === 'safeguarding' ? 'Safeguarding' : 'Standard'}`}
        error={reasonError}
        errorId="oa-priority-error"
      >
        {(p) => <input {...p} name="priorityReason" type="text" maxLength={500} />}
      </Field>
      <button type="submit" className="button" disabled={busy}>
        {next === 'safeguarding' ? 'Raise to Safeguarding' : 'Lower to Standard'}
      </button>
    </form>
  );
}

/** Assign to any officer of the report's force (the list comes from GET /api/officers). */
export function AssignForm({ detail, busy, patch }: { detail: ReportDetail; busy: boolean; patch: Patch }) {
  const officers = useApiGet<OfficerList>(`/api/officers?force=${encodeURIComponent(detail.forceId)}`, 0);
  const list = officers.data?.items.filter((o) => o.forceId === detail.forceId) ?? [];
  async function handleSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const to = String(new FormData(e.currentTarget).get('assignTo') ?? '');
    if (!to) return;
    const name = list.find((o) => o.id === to)?.name ?? 'the officer';
    await patch({ assignTo: to }, `Assigned to ${name}.`);
  }
  return (
    <form className="pw-inline-form oa-form" onSubmit={handleSubmit} aria-labelledby="oa-assign-title">
      <h4 id="oa-assign-title" className="oa-title">
        Assign
      </h4>
      <div className="field">
        <label htmlFor="oa-assign">Officer</label>
        <select id="oa-assign" name="assignTo" defaultValue="" key={detail.assignedTo?.id ?? 'none'}>
          <option value="" disabled>
            {officers.data ? 'Choose an officer' : 'Loading officers…'}
          </option>
          {list.map((o) => (
            <option key={o.id} value={o.id} disabled={o.id === detail.assignedTo?.id}>
              {o.name}
              {o.id === detail.assignedTo?.id ? ' (assigned)' : ''}
            </option>
          ))}
        </select>
        {officers.error && <p className="field-error">{officers.error}</p>}
      </div>
      <button type="submit" className="button" disabled={busy || !list.length}>
        Assign
      </button>
    </form>
  );
}
