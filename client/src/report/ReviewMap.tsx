import { MapContainer, Marker } from 'react-leaflet';
import { BaseTiles } from '../map/tiles';
import { pinIcon } from './LocationPicker';

/** The review step's map: where the pin is, to check before sending. Not interactive (change it on the form). */
export function ReviewMap({ lat, lng }: { lat: number; lng: number }) {
  return (
    <figure className="review-figure">
      <div className="map-frame">
        <MapContainer
          center={[lat, lng]}
          zoom={16}
          className="review-map"
          zoomControl={false}
          dragging={false}
          scrollWheelZoom={false}
          doubleClickZoom={false}
          touchZoom={false}
          boxZoom={false}
          keyboard={false}
          attributionControl
        >
          <BaseTiles />
          <Marker position={[lat, lng]} icon={pinIcon} interactive={false} keyboard={false} />
        </MapContainer>
      </div>
      <figcaption className="hint">The pin on the map is the place your report is about.</figcaption>
    </figure>
  );
}
