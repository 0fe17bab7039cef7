import { describe, expect, it } from 'vitest';
import { hotspotScaleLine } from '../../client/src/police/HotspotLegend';
import type { HotspotCollection } from '../../shared/schemas/police';

const meta: HotspotCollection['meta'] = {
  cellSizeM: 387.2,
  cells: 39_336,
  tested: 16_015,
  significant: 15_841,
  enlargedFromM: null,
  method: 'Exact binomial test',
  correction: 'FDR (Benjamini-Hochberg)',
  fdr: 0.05,
  reports: 782_494,
  cellSizeSource: 'data',
  neighbourhood: 'the cell and its 8 neighbours',
  meanNearestNeighbourM: 16,
  notEnough: null,
};

describe('the hotspot legend scale line', () => {
  it("says the data's cell size was enlarged to keep the map readable, and which cells were tested", () => {
    expect(hotspotScaleLine({ ...meta, enlargedFromM: 50 })).toBe(
      'Cell size from the data (twice the mean distance between neighbouring reports, 16 m), enlarged to 387 m to keep the map readable. ' +
        'Each of the 16,015 cells with a report in its neighbourhood is tested with the cell and its 8 neighbours (1.2 km square) against chance over those cells; empty land away from reports is not tested.',
    );
  });

  it('says nothing of enlarging when the size was kept, and names a chosen size that had to grow', () => {
    expect(hotspotScaleLine(meta)).toMatch(/^Cell size from the data \(twice the mean distance between neighbouring reports, 16 m\)\. Each/);
    expect(hotspotScaleLine({ ...meta, cellSizeSource: 'chosen', meanNearestNeighbourM: null, enlargedFromM: 50 })).toMatch(
      /^Cell size chosen \(50 m\), enlarged to 387 m to keep the map readable\. /,
    );
    expect(hotspotScaleLine({ ...meta, cellSizeSource: 'chosen', meanNearestNeighbourM: null, cellSizeM: 500 })).toMatch(/^Cell size chosen\. Each/);
  });

  it('keeps the former wording for Gi*, which tests every cell', () => {
    expect(hotspotScaleLine({ ...meta, method: 'Getis-Ord Gi*', cellSizeSource: 'chosen', cellSizeM: 250 })).toBe(
      'Cell size chosen. Each cell is tested with the cell and its 8 neighbours (750 m square) against chance.',
    );
  });
});
