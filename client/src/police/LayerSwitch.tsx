import { BANDWIDTHS, CELL_SIZES, EMERGING_CELL_SIZES, MAP_LAYERS, type MapLayer, type ViewState } from './view-state';

const LAYER_LABEL: Record<MapLayer, string> = {
  clusters: 'Clusters',
  heat: 'Heat map',
  hotspots: 'Hotspots',
  emerging: 'Emerging hot spots',
};

/** What the map draws: one of the report layers, and the force boundaries on top. Sits above the filters. */
export function LayerSwitch({ view, onChange }: { view: ViewState; onChange: (patch: Partial<ViewState>) => void }) {
  return (
    <section className="pw-layer-switch card" aria-labelledby="pw-layers-title">
      <h2 id="pw-layers-title">Map layer</h2>
      <fieldset className="field pw-layers">
        <legend className="visually-hidden">Map layer</legend>
        {MAP_LAYERS.map((l) => (
          <label key={l} className="choice">
            <input type="radio" name="pw-layer" value={l} checked={view.layer === l} onChange={() => onChange({ layer: l })} />
            {LAYER_LABEL[l]}
          </label>
        ))}
      </fieldset>
      {view.layer === 'heat' && (
        <div className="field">
          <label htmlFor="pw-bw">Heat bandwidth</label>
          <select id="pw-bw" value={view.bandwidth} onChange={(e) => onChange({ bandwidth: Number(e.target.value) })}>
            {BANDWIDTHS.map((b) => (
              <option key={b} value={b}>
                {b >= 1000 ? `${b / 1000} km` : `${b} m`}
              </option>
            ))}
          </select>
        </div>
      )}
      {view.layer === 'hotspots' && (
        <div className="field">
          <label htmlFor="pw-cell">Hotspot cell size</label>
          <select id="pw-cell" value={view.cellSize} onChange={(e) => onChange({ cellSize: Number(e.target.value) })}>
            {CELL_SIZES.map((c) => (
              <option key={c} value={c}>
                {c === 0 ? 'From the data' : c >= 1000 ? `${c / 1000} km` : `${c} m`}
              </option>
            ))}
          </select>
        </div>
      )}
      {view.layer === 'emerging' && (
        <>
          <fieldset className="field pw-layers">
            <legend>Time step</legend>
            {(['weekly', 'monthly'] as const).map((step) => (
              <label key={step} className="choice">
                <input
                  type="radio"
                  name="pw-step"
                  value={step}
                  checked={view.step === step}
                  onChange={() => onChange({ step })}
                />
                {step === 'weekly' ? 'Weekly' : 'Monthly'}
              </label>
            ))}
          </fieldset>
          <div className="field">
            <label htmlFor="pw-ecell">Emerging cell size</label>
            <select
              id="pw-ecell"
              value={view.emergingCellSize}
              onChange={(e) => onChange({ emergingCellSize: Number(e.target.value) })}
            >
              {EMERGING_CELL_SIZES.map((c) => (
                <option key={c} value={c}>
                  {c === 0 ? 'Fitted to the view' : c >= 1000 ? `${c / 1000} km` : `${c} m`}
                </option>
              ))}
            </select>
          </div>
          <p className="hint">The time window below sets the period: at least 5 steps are needed for a trend.</p>
        </>
      )}
      <label className="choice">
        <input type="checkbox" checked={view.boundaries} onChange={(e) => onChange({ boundaries: e.target.checked })} />
        Force boundaries
      </label>
    </section>
  );
}
