import type { ReactNode } from 'react';

/** What a field's control needs to be labelled and described: spread onto the input, select or textarea. */
export interface ControlProps {
  id: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

/**
 * One form field: label, control, optional hint, and the error, with `aria-invalid` and `aria-describedby` (hint,
 * any extra ids such as a character count, then the error) wired the same way on every page.
 *
 *   <Field id="email" label="Email" error={errors.email}>{(p) => <input {...p} type="email" />}</Field>
 */
export function Field(props: {
  id: string;
  label: ReactNode;
  error?: string | null;
  hint?: ReactNode;
  /** Ids of other elements that describe the control (e.g. a live character count rendered in `after`). */
  describedBy?: string[];
  /** The error's element id; `${id}-error` by default. */
  errorId?: string;
  /** Rendered after the hint, before the error (e.g. a character count). */
  after?: ReactNode;
  className?: string;
  children: (control: ControlProps) => ReactNode;
}) {
  const { id, label, error, hint, after, className } = props;
  const hintId = hint ? `${id}-hint` : null;
  const errorId = props.errorId ?? `${id}-error`;
  const ids = [hintId, ...(props.describedBy ?? []), error ? errorId : null].filter(Boolean);
  return (
    <div className={className ? `field ${className}` : 'field'}>
      <label htmlFor={id}>{label}</label>
      {props.children({
        id,
        'aria-invalid': error ? true : undefined,
        'aria-describedby': ids.length ? ids.join(' ') : undefined,
      })}
      {hint && (
        <p className="hint" id={hintId!}>
          {hint}
        </p>
      )}
      {after}
      {error && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}
