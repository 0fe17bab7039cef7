import { type FormEvent, useState } from 'react';
import type { GeocodeResult, GeocodeResults } from '../../../shared/schemas/geocode';
import { ApiError, api } from '../api/client';
import { Field } from '../forms/Field';

/**
 * Find a postcode or town through the deployment's geocoder (GET /api/geocode) and place the pin there. When the
 * deployment has none, or it fails, it says so: the map pin and the coordinates stay the way to place a property.
 */
export function AddressFinder({
  onFound,
  id = 'finder-q',
  placing = 'the pin',
}: {
  onFound: (r: GeocodeResult) => void;
  /** The search field's id: give each finder on a page its own. */
  id?: string;
  /** What choosing a result places, in the messages ("the pin", "the centre of the area"). */
  placing?: string;
}) {
  const [q, setQ] = useState('');
  const [results, setResults] = useState<GeocodeResult[] | null>(null);
  const [message, setMessage] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function handleFind(e: FormEvent) {
    e.preventDefault();
    if (q.trim().length < 2) {
      setError('Type a postcode or a town');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const r = await api<GeocodeResults>('GET', `/api/geocode?q=${encodeURIComponent(q.trim())}`);
      if (!r.available) {
        setResults(null);
        setMessage('Finding addresses is not available here: place the pin on the map instead.');
      } else {
        setResults(r.results);
        setMessage(
          r.results.length
            ? `${r.results.length} found. Choose one to place ${placing}.`
            : 'Nothing found. Check it, or place the pin on the map.',
        );
      }
    } catch (err) {
      setResults(null);
      setMessage(
        err instanceof ApiError ? err.message : 'The address finder is not answering: place the pin on the map instead.',
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="address-finder">
      <Field
        id={id}
        label="Find a postcode or town"
        error={error}
        hint={`For example BN1 1AA or Hove. Then check ${placing === 'the pin' ? 'the pin' : 'the area'} on the map.`}
      >
        {(p) => (
          <div className="inline-search">
            <input
              {...p}
              type="search"
              autoComplete="postal-code"
              value={q}
              onChange={(e) => setQ(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') void handleFind(e);
              }}
            />
            <button type="button" className="button" onClick={handleFind} disabled={busy}>
              {busy ? 'Finding…' : 'Find'}
            </button>
          </div>
        )}
      </Field>
      <p className="hint" role="status">
        {message}
      </p>
      {results && results.length > 0 && (
        <ul className="finder-results">
          {results.map((r) => (
            <li key={`${r.label}:${r.lat}:${r.lng}`}>
              <button
                type="button"
                className="button button-quiet"
                onClick={() => {
                  onFound(r);
                  setResults(null);
                  setMessage(`${placing === 'the pin' ? 'Pin' : 'Centre'} placed at ${r.label}.`);
                }}
              >
                {r.label}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
