import { INDICATORS, PROPERTY_TYPES, type PropertyType, REPORT_STATUSES, type ReportStatus } from '../../../shared/taxonomy';
import { ForceFilter } from './ForceFilter';
import { STATUS_LABEL, type ViewState, WINDOW_STOPS, windowLabel } from './view-state';

function toggle<T>(list: readonly T[], item: T): T[] {
  return list.includes(item) ? list.filter((x) => x !== item) : [...list, item];
}

/** Time window and filters (the layer switch is LayerSwitch, above); every change goes straight into the URL. */
export function FilterPanel({ view, onChange }: { view: ViewState; onChange: (patch: Partial<ViewState>) => void }) {
  const stop = Math.max(0, WINDOW_STOPS.indexOf(view.window));
  const custom = Boolean(view.from || view.to);
  const activeCount =
    view.indicators.length + view.types.length + view.statuses.length + (view.priority ? 1 : 0) + (view.q.trim() ? 1 : 0);

  function handleReset() {
    onChange({ indicators: [], types: [], statuses: [], priority: null, q: '', from: null, to: null, window: 90 });
  }

  return (
    <section className="pw-filters card" aria-labelledby="pw-filters-title">
      <div className="pw-filters-head">
        <h2 id="pw-filters-title">Filters</h2>
        <button
          type="button"
          className="button button-quiet pw-small"
          onClick={handleReset}
          disabled={!activeCount && !custom && view.window === 90}
        >
          Reset
        </button>
      </div>

      <div className="field">
        <label htmlFor="pw-window">
          Time window: <output htmlFor="pw-window">{custom ? 'Custom dates' : windowLabel(view.window)}</output>
        </label>
        <input
          id="pw-window"
          type="range"
          min={0}
          max={WINDOW_STOPS.length - 1}
          step={1}
          value={stop}
          aria-valuetext={windowLabel(view.window)}
          onChange={(e) => onChange({ window: WINDOW_STOPS[Number(e.target.value)] ?? 90, from: null, to: null })}
        />
        <div className="pw-ticks" aria-hidden="true">
          {WINDOW_STOPS.map((d) => (
            <span key={d}>{d === 0 ? 'All' : d === 365 ? '1y' : `${d}d`}</span>
          ))}
        </div>
      </div>

      <div className="pw-row">
        <div className="field">
          <label htmlFor="pw-from">From date</label>
          <input id="pw-from" type="date" value={view.from ?? ''} onChange={(e) => onChange({ from: e.target.value || null })} />
        </div>
        <div className="field">
          <label htmlFor="pw-to">To date</label>
          <input id="pw-to" type="date" value={view.to ?? ''} onChange={(e) => onChange({ to: e.target.value || null })} />
        </div>
      </div>

      <div className="pw-stack">
        <ForceFilter value={view.force} onChange={(force) => onChange({ force })} />
        <div className="field">
          <label htmlFor="pw-priority">Priority</label>
          <select
            id="pw-priority"
            value={view.priority ?? ''}
            onChange={(e) => onChange({ priority: (e.target.value || null) as ViewState['priority'] })}
          >
            <option value="">Any priority</option>
            <option value="safeguarding">★ Safeguarding</option>
            <option value="standard">Standard</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="pw-q">Address contains</label>
          <input id="pw-q" type="text" value={view.q} onChange={(e) => onChange({ q: e.target.value })} />
        </div>
      </div>

      <fieldset className="field pw-checks">
        <legend>Status</legend>
        {REPORT_STATUSES.map((s: ReportStatus) => (
          <label key={s} className="choice">
            <input
              type="checkbox"
              checked={view.statuses.includes(s)}
              onChange={() => onChange({ statuses: toggle(view.statuses, s) })}
            />
            {STATUS_LABEL[s]}
          </label>
        ))}
      </fieldset>

      <fieldset className="field pw-checks">
        <legend>Property type</legend>
        {PROPERTY_TYPES.map((t) => (
          <label key={t.id} className="choice">
            <input
              type="checkbox"
              checked={view.types.includes(t.id)}
              onChange={() => onChange({ types: toggle<PropertyType>(view.types, t.id) })}
            />
            {t.label}
          </label>
        ))}
      </fieldset>

      <details className="pw-indicators" open={view.indicators.length > 0}>
        <summary>Indicators{view.indicators.length ? ` (${view.indicators.length} selected)` : ''}</summary>
        <fieldset className="field">
          <legend className="visually-hidden">Indicators (any of)</legend>
          {INDICATORS.map((i) => (
            <label key={i.id} className="choice">
              <input
                type="checkbox"
                checked={view.indicators.includes(i.id)}
                onChange={() => onChange({ indicators: toggle(view.indicators, i.id) })}
              />
              <span>
                {i.id}. {i.safeguarding && <abbr title="Safeguarding">★ </abbr>}
                {i.label}
              </span>
            </label>
          ))}
        </fieldset>
      </details>

      <label className="choice">
        <input type="checkbox" checked={view.inView} onChange={(e) => onChange({ inView: e.target.checked })} />
        Only reports in the map view (the queue follows the map)
      </label>
    </section>
  );
}
