import type { HeatGrid, HotspotCollection } from '../../../shared/schemas/police';
import './analysis.css';

const km = (m: number) => (m >= 1000 ? `${Math.round(m / 100) / 10} km` : `${Math.round(m)} m`);
const pct = (x: number) => `${Math.round(x * 1000) / 10} %`;

/** Bins the hotspot layer can draw, with the words the legend and tooltips use (priority shown by words too). */
export const HOTSPOT_BIN_LABEL: Record<number, string> = {
  99: 'Hot spot, 99% confidence',
  95: 'Hot spot, 95% confidence',
  90: 'Hot spot, 90% confidence',
  [-90]: 'Cold spot, 90% confidence',
  [-95]: 'Cold spot, 95% confidence',
  [-99]: 'Cold spot, 99% confidence',
};

/** One line saying which method and scale produced the hotspot layer, e.g. "exact negative-binomial test, FDR 5 %, 320 m cells". */
export function hotspotMethodLine(meta: HotspotCollection['meta']): string {
  const method = meta.method === 'Getis-Ord Gi*' ? 'Getis-Ord Gi*' : meta.method.replace(/^Exact/, 'exact');
  return `Hotspots: ${method}, FDR ${pct(meta.fdr)}, ${km(meta.cellSizeM)} cells`;
}

/**
 * Where the cell size came from (the data or the user), whether it was enlarged to keep the map readable,
 * and what each cell is tested against.
 */
export function hotspotScaleLine(meta: HotspotCollection['meta']): string {
  const enlarged =
    meta.enlargedFromM !== null ? `, enlarged to ${km(meta.cellSizeM)} to keep the map readable` : '';
  const source =
    meta.cellSizeSource === 'data' && meta.meanNearestNeighbourM !== null
      ? `Cell size from the data (twice the mean distance between neighbouring reports, ${km(meta.meanNearestNeighbourM)})${enlarged}.`
      : meta.enlargedFromM !== null
        ? `Cell size chosen (${km(meta.enlargedFromM)})${enlarged}.`
        : 'Cell size chosen.';
  const square = `${meta.neighbourhood} (${km(3 * meta.cellSizeM)} square)`;
  const tested =
    meta.method === 'Getis-Ord Gi*'
      ? `Each cell is tested with ${square} against chance.`
      : `Each of the ${meta.tested.toLocaleString('en-GB')} cells with a report in its neighbourhood is tested with ${square} against chance over those cells; empty land away from reports is not tested.`;
  return `${source} ${tested}`;
}

/** The hotspot legend: method and scale, where the cell size came from, the bins drawn, or the not-enough state. */
export function HotspotLegend({ data }: { data: HotspotCollection | null }) {
  if (!data) return <p className="pw-legend-method">Hotspots: loading…</p>;
  const { meta } = data;
  const bins = meta.method === 'Getis-Ord Gi*' ? [99, 95, 90, -90, -95, -99] : [99, 95, -95, -99];
  return (
    <div data-testid="hotspot-legend">
      <p className="pw-legend-method">{hotspotMethodLine(meta)}</p>
      {meta.notEnough ? (
        <p className="pw-legend-notice" role="status">
          {meta.notEnough.reason}
        </p>
      ) : (
        <>
          <p className="pw-legend-scale">{hotspotScaleLine(meta)}</p>
          <ul>
            {bins.map((bin) => (
              <li key={bin}>
                <span className={`pw-swatch pw-bin-${bin < 0 ? `cold${-bin}` : `hot${bin}`}`} aria-hidden="true" />
                {HOTSPOT_BIN_LABEL[bin]}
              </li>
            ))}
          </ul>
          {meta.significant === 0 && <p className="pw-legend-notice">No cell stands out from chance here.</p>}
        </>
      )}
    </div>
  );
}

/** The heat layer's method and scale. */
export function HeatMethod({ data }: { data: HeatGrid | null }) {
  if (!data) return null;
  return (
    <p className="pw-legend-method">
      Heat: quartic kernel density, {km(data.bandwidthM)} bandwidth, {km(data.cellSizeM)} cells
    </p>
  );
}
