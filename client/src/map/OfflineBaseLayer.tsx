import type { FeatureCollection } from 'geojson';
import { useEffect, useState } from 'react';
import { GeoJSON, Pane } from 'react-leaflet';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import atlasUrl from 'world-atlas/countries-10m.json?url';

/** UK, Ireland, France, Belgium, Netherlands: enough coastline to find your way without tiles. */
const NEAR_UK = new Set(['826', '372', '250', '056', '528']);

let cached: Promise<FeatureCollection> | undefined;
function loadOutline(): Promise<FeatureCollection> {
  cached ??= fetch(atlasUrl)
    .then((r) => r.json() as Promise<Topology<{ countries: GeometryCollection }>>)
    .then((topo) => {
      const countries = topo.objects.countries;
      const near = { ...countries, geometries: countries.geometries.filter((g) => NEAR_UK.has(String(g.id))) };
      return feature(topo, near) as FeatureCollection;
    });
  return cached;
}

/**
 * A coastline drawn from world-atlas (1:10m), served from our own origin: the map still shows where things are
 * when tiles cannot load (offline, blocked, or in tests). Fetched only once a tile has failed.
 */
export function OfflineBaseLayer() {
  const [data, setData] = useState<FeatureCollection | null>(null);
  useEffect(() => {
    let live = true;
    loadOutline()
      .then((d) => live && setData(d))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  if (!data) return null;
  // Below the tile pane (200): real tiles cover it when they load.
  return (
    <Pane name="offline-base" style={{ zIndex: 150 }}>
      <GeoJSON data={data} interactive={false} style={{ color: '#5b6b80', weight: 1.5, fillColor: '#eef2ea', fillOpacity: 1 }} />
    </Pane>
  );
}
