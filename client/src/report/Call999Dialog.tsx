import { useEffect, useRef } from 'react';

/**
 * The interstitial shown before the form continues when an indicator marked 999 is ticked. A modal alert
 * dialog: focus moves into it, Escape does not dismiss it, and the only way on is to say it is safe.
 */
export function Call999Dialog({ open, onContinue }: { open: boolean; onContinue: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);

  return (
    <dialog
      ref={ref}
      className="call999"
      role="alertdialog"
      aria-labelledby="call999-title"
      aria-describedby="call999-text"
      onCancel={(e) => e.preventDefault()}
    >
      <h2 id="call999-title">Call 999 now</h2>
      <p id="call999-text">
        You ticked something that means someone may be in danger now: injuries, assault or weapons. Call 999 before you finish
        this form. StayWatch is not watched around the clock.
      </p>
      <a className="button button-danger button-large" href="tel:999">
        Call 999
      </a>
      <p className="hint">
        Not an emergency any more? Call 101, or Crimestoppers anonymously on <a href="tel:0800555111">0800 555 111</a>.
      </p>
      <button type="button" className="button" onClick={onContinue}>
        I have called 999, or it is safe to continue
      </button>
    </dialog>
  );
}
