import type { Repeats } from '../../../shared/schemas/police';

/** Locations ranked by reports in the window; choosing one centres the map on it. */
export function RepeatList({ data, onShow }: { data: Repeats | null; onShow: (lat: number, lng: number) => void }) {
  if (!data) return <p className="hint">Loading…</p>;
  const locations = data.locations.filter((l) => l.count > 1);
  return (
    <>
      {locations.length ? (
        <ol className="pw-repeats">
          {locations.map((l) => (
            <li key={`${l.lat},${l.lng}`}>
              <span className="pw-repeat-count">{l.count}</span>
              <span className="pw-repeat-place">{l.address ?? `${l.lat.toFixed(4)}, ${l.lng.toFixed(4)}`}</span>
              <button type="button" className="button button-quiet pw-small" onClick={() => onShow(l.lat, l.lng)}>
                Show<span className="visually-hidden"> {l.address ?? 'location'} on the map</span>
              </button>
            </li>
          ))}
        </ol>
      ) : (
        <p className="hint">No location has more than one report in this window.</p>
      )}
      {data.nearRepeats.length > 0 && (
        <p className="hint">
          {data.nearRepeats.length} near-repeat pair{data.nearRepeats.length === 1 ? '' : 's'} (close in space and time).
        </p>
      )}
      {data.limits.capped && (
        <p className="hint" role="note">
          The near-repeat search stopped early (after {data.limits.examinedPairs.toLocaleString('en-GB')} pairs
          {data.limits.reason === 'time' ? ', at its time limit' : ''}): narrow the filters or the window to see every pair.
        </p>
      )}
    </>
  );
}
