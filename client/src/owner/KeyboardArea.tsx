import { type KeyboardEvent, useState } from 'react';
import { circleRing, parseLatLng } from '../../../shared/geo';
import { Field } from '../forms/Field';
import { AddressFinder } from './AddressFinder';
import type { LatLngPoint } from './AreaMap';

/** A place the area can be centred on: one of the user's properties. */
export interface CentreChoice {
  id: string;
  address: string;
  lat: number;
  lng: number;
}

export const KEYBOARD_AREA_MIN_M = 50;

/**
 * The keyboard alternative to drawing an area on the map: a radius around a place found by postcode or town, typed
 * as coordinates, or one of the user's properties. Hands `onArea` the same kind of ring the drawing tool does (a
 * 32-corner polygon around the circle), so the form sends what it would send for a drawn area.
 */
export function KeyboardArea(props: {
  /** Prefix of the ids inside, unique on the page. */
  idPrefix: string;
  /** The user's properties, offered as centres (none: only a typed place). */
  properties?: CentreChoice[];
  maxRadiusM: number;
  onArea: (ring: LatLngPoint[], description: string) => void;
}) {
  const { idPrefix: id, maxRadiusM } = props;
  const properties = props.properties ?? [];
  const [from, setFrom] = useState<'place' | 'property'>('place');
  const [coords, setCoords] = useState('');
  const [found, setFound] = useState<{ label: string; text: string } | null>(null);
  const [propertyId, setPropertyId] = useState('');
  const [radius, setRadius] = useState('500');
  const [errors, setErrors] = useState<{ centre?: string; radius?: string }>({});
  const [done, setDone] = useState('');
  const property = properties.find((p) => p.id === propertyId) ?? properties[0];

  function handleApply() {
    let centre: LatLngPoint | null = null;
    let name = '';
    if (from === 'property' && property) {
      centre = { lat: property.lat, lng: property.lng };
      name = property.address;
    } else {
      centre = parseLatLng(coords);
      name = found && found.text === coords ? found.label : coords.trim();
    }
    const r = Number(radius);
    const next = {
      centre: centre
        ? undefined
        : coords.trim()
          ? 'Type the centre as latitude, longitude, for example 50.8225, -0.1372'
          : 'Find a postcode or town, or type the centre as latitude, longitude',
      radius:
        radius.trim() !== '' && Number.isInteger(r) && r >= KEYBOARD_AREA_MIN_M && r <= maxRadiusM
          ? undefined
          : `Give a whole number of metres from ${KEYBOARD_AREA_MIN_M} to ${maxRadiusM}`,
    };
    setErrors(next);
    if (!centre || next.radius) {
      setDone('');
      return;
    }
    const description = `${r} m around ${name}`;
    props.onArea(circleRing(centre, r), description);
    setDone(`Area set: ${description}. It is shown on the map.`);
  }

  /** Enter in a field sets the area instead of sending the whole form. */
  function handleEnter(e: KeyboardEvent) {
    if (e.key === 'Enter') {
      e.preventDefault();
      handleApply();
    }
  }

  return (
    <details className="keyboard-area">
      <summary>Or set the area without drawing: a radius around a place</summary>
      {properties.length > 0 && (
        <div className="field" role="radiogroup" aria-label="Centre of the area">
          <label className="choice">
            <input type="radio" name={`${id}-from`} checked={from === 'place'} onChange={() => setFrom('place')} /> A postcode,
            town or coordinates
          </label>
          <label className="choice">
            <input type="radio" name={`${id}-from`} checked={from === 'property'} onChange={() => setFrom('property')} /> One of
            my properties
          </label>
        </div>
      )}
      {from === 'property' && property ? (
        <div className="field">
          <label htmlFor={`${id}-property`}>Property at the centre</label>
          <select id={`${id}-property`} value={property.id} onChange={(e) => setPropertyId(e.target.value)}>
            {properties.map((p) => (
              <option key={p.id} value={p.id}>
                {p.address}
              </option>
            ))}
          </select>
        </div>
      ) : (
        <>
          <AddressFinder
            id={`${id}-finder`}
            placing="the centre of the area"
            onFound={(r) => {
              const text = `${r.lat}, ${r.lng}`;
              setCoords(text);
              setFound({ label: r.label, text });
            }}
          />
          <Field
            id={`${id}-centre`}
            label="Centre point"
            hint="Filled in when you choose a place above, or type it as latitude, longitude, for example 50.8225, -0.1372."
            error={errors.centre}
          >
            {(f) => (
              <input
                {...f}
                type="text"
                inputMode="decimal"
                autoComplete="off"
                value={coords}
                onChange={(e) => setCoords(e.target.value)}
                onKeyDown={handleEnter}
              />
            )}
          </Field>
        </>
      )}
      <Field
        id={`${id}-radius`}
        label="Radius in metres"
        hint={`From ${KEYBOARD_AREA_MIN_M} to ${maxRadiusM}.`}
        error={errors.radius}
      >
        {(f) => (
          <input
            {...f}
            type="number"
            inputMode="numeric"
            min={KEYBOARD_AREA_MIN_M}
            max={maxRadiusM}
            step={50}
            value={radius}
            onChange={(e) => setRadius(e.target.value)}
            onKeyDown={handleEnter}
          />
        )}
      </Field>
      <button type="button" className="button" onClick={handleApply}>
        Set the area
      </button>
      <p className="hint" role="status">
        {done}
      </p>
    </details>
  );
}
