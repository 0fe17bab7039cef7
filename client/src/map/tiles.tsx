import { useEffect, useState } from 'react';
import { TileLayer } from 'react-leaflet';
import type { ClientSettings } from '../../../shared/schemas/settings';
import { api } from '../api/client';
import { OfflineBaseLayer } from './OfflineBaseLayer';

let loading: Promise<ClientSettings> | null = null;

/** The deployment's settings, fetched once per page load and shared by every map. */
export function loadClientSettings(): Promise<ClientSettings> {
  loading ??= api<ClientSettings>('GET', '/api/settings').catch((err) => {
    loading = null;
    throw err;
  });
  return loading;
}

function useClientSettings(): ClientSettings | null | 'failed' {
  const [settings, setSettings] = useState<ClientSettings | null | 'failed'>(null);
  useEffect(() => {
    let live = true;
    loadClientSettings().then(
      (s) => live && setSettings(s),
      () => live && setSettings('failed'),
    );
    return () => {
      live = false;
    };
  }, []);
  return settings;
}

/**
 * The base map of every map in the app: tiles from the deployment's TILE_URL (asked for only once the setting is
 * known, so no other provider is contacted), and the offline coastline from our own origin when tiles are off,
 * fail or are blocked.
 */
export function BaseTiles() {
  const settings = useClientSettings();
  const [failed, setFailed] = useState(false);
  const tiles = settings && settings !== 'failed' && settings.tileUrl ? settings : null;
  return (
    <>
      {(failed || settings === 'failed' || (settings && !tiles)) && <OfflineBaseLayer />}
      {tiles && (
        <TileLayer
          url={tiles.tileUrl}
          attribution={tiles.tileAttribution}
          maxZoom={19}
          eventHandlers={{ tileerror: () => setFailed(true) }}
        />
      )}
    </>
  );
}
