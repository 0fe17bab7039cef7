import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import { useEffect, useMemo, useRef, useState } from 'react';
import { MapContainer, Marker, useMap, useMapEvents } from 'react-leaflet';
import { BaseTiles } from '../map/tiles';

const START: [number, number] = [50.95, -0.35];

export const pinIcon = L.divIcon({
  className: 'report-pin',
  html: '<span></span>',
  iconSize: [28, 28],
  iconAnchor: [14, 28],
});

export interface Point {
  lat: number;
  lng: number;
}

function ClickToPlace({ onPick }: { onPick: (p: Point) => void }) {
  useMapEvents({
    click: (e) => onPick({ lat: round(e.latlng.lat), lng: round(e.latlng.lng) }),
  });
  return null;
}

/** Moves the view to the point when it was set from outside the map (inputs, "use my location"). */
function FollowPoint({ point, version }: { point: Point | null; version: number }) {
  const map = useMap();
  // biome-ignore lint/correctness/useExhaustiveDependencies: only recentre when asked (version), not on every drag
  useEffect(() => {
    if (point) map.setView([point.lat, point.lng], Math.max(map.getZoom(), 16));
  }, [version, map]);
  return null;
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

/**
 * Where it is: tap the map or drag the pin, use the phone's location, or type coordinates (the accessible
 * alternative to the map). The address box lives in the form next to this.
 */
export function LocationPicker(props: {
  lat: string;
  lng: string;
  onChange: (lat: string, lng: string) => void;
  error?: string;
}) {
  const { lat, lng, onChange, error } = props;
  const [version, setVersion] = useState(0);
  const [geoStatus, setGeoStatus] = useState('');
  const mapRef = useRef<L.Map | null>(null);
  const point = useMemo<Point | null>(() => {
    const a = Number(lat);
    const b = Number(lng);
    return lat.trim() !== '' &&
      lng.trim() !== '' &&
      Number.isFinite(a) &&
      Number.isFinite(b) &&
      Math.abs(a) <= 90 &&
      Math.abs(b) <= 180
      ? { lat: a, lng: b }
      : null;
  }, [lat, lng]);

  function handlePick(p: Point) {
    onChange(String(p.lat), String(p.lng));
    setGeoStatus(`Pin placed at ${p.lat.toFixed(5)}, ${p.lng.toFixed(5)}.`);
  }

  /** For keyboard users: pan with the arrow keys, zoom with + and -, then pin the centre. */
  function handlePinAtCentre() {
    const c = mapRef.current?.getCenter();
    if (c) handlePick({ lat: round(c.lat), lng: round(c.lng) });
  }

  function handleUseMyLocation() {
    if (!('geolocation' in navigator)) {
      setGeoStatus('Your browser cannot share its location. Tap the map or type the address instead.');
      return;
    }
    setGeoStatus('Finding your location…');
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        onChange(String(round(pos.coords.latitude)), String(round(pos.coords.longitude)));
        setVersion((v) => v + 1);
        setGeoStatus('Pin placed at your current location. Drag it if the property is elsewhere.');
      },
      () => setGeoStatus('Could not get your location. Tap the map or type the address instead.'),
      { enableHighAccuracy: true, timeout: 10_000 },
    );
  }

  const errorId = error ? 'location-error' : undefined;
  return (
    <div className="location-picker">
      <p className="hint" id="map-hint">
        Tap the map to place a pin on the property, then drag it to adjust. Or use your location, or type coordinates below. With
        a keyboard: focus the map, move with the arrow keys and zoom with + and −, then pin the centre (the cross in the middle of
        the map).
      </p>
      <div className="map-frame">
        <MapContainer ref={mapRef} center={START} zoom={9} className="report-map" scrollWheelZoom={false}>
          <BaseTiles />
          <ClickToPlace onPick={handlePick} />
          <FollowPoint point={point} version={version} />
          {point && (
            <Marker
              position={[point.lat, point.lng]}
              icon={pinIcon}
              draggable
              title="Property location (drag to move)"
              eventHandlers={{
                dragend: (e) => {
                  const ll = (e.target as L.Marker).getLatLng();
                  handlePick({ lat: round(ll.lat), lng: round(ll.lng) });
                },
              }}
            />
          )}
        </MapContainer>
        {/* Where "Pin the centre of the map" will put the pin. */}
        <span className="map-crosshair" aria-hidden="true" data-testid="map-crosshair" />
      </div>
      <div className="button-row">
        <button type="button" className="button" onClick={handleUseMyLocation}>
          Use my location
        </button>
        <button type="button" className="button button-quiet" onClick={handlePinAtCentre}>
          Pin the centre of the map
        </button>
      </div>
      <p className="hint" aria-live="polite">
        {geoStatus}
      </p>
      <div className="coords">
        <div className="field">
          <label htmlFor="lat">Latitude</label>
          <input
            id="lat"
            type="text"
            inputMode="decimal"
            value={lat}
            aria-invalid={error ? true : undefined}
            aria-describedby={errorId}
            onChange={(e) => onChange(e.target.value, lng)}
            onBlur={() => point && setVersion((v) => v + 1)}
          />
        </div>
        <div className="field">
          <label htmlFor="lng">Longitude</label>
          <input
            id="lng"
            type="text"
            inputMode="decimal"
            value={lng}
            aria-invalid={error ? true : undefined}
            aria-describedby={errorId}
            onChange={(e) => onChange(lat, e.target.value)}
            onBlur={() => point && setVersion((v) => v + 1)}
          />
        </div>
      </div>
      {error && (
        <p className="field-error" id="location-error">
          {error}
        </p>
      )}
    </div>
  );
}
