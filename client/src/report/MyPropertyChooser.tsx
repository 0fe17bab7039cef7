import { useEffect, useState } from 'react';
import type { PropertyView } from '../../../shared/schemas/alerts';
import { api } from '../api/client';
import { useAuth } from '../auth/AuthContext';

/**
 * For a signed-in host or owner with registered properties: choose one as the report's location (its pin,
 * address and kind). Shows nothing for anyone else.
 */
export function MyPropertyChooser({ onChoose }: { onChoose: (p: PropertyView) => void }) {
  const { user } = useAuth();
  const [properties, setProperties] = useState<PropertyView[]>([]);
  const [chosen, setChosen] = useState('');
  const mayHave = user?.role === 'host' || user?.role === 'owner';

  useEffect(() => {
    if (!mayHave) return;
    api<{ properties: PropertyView[] }>('GET', '/api/properties')
      .then((r) => setProperties(r.properties))
      .catch(() => setProperties([]));
  }, [mayHave]);

  if (!mayHave || properties.length === 0) return null;
  return (
    <div className="field">
      <label htmlFor="myProperty">One of your properties (optional)</label>
      <select
        id="myProperty"
        value={chosen}
        aria-describedby="myProperty-hint"
        onChange={(e) => {
          setChosen(e.target.value);
          const p = properties.find((x) => x.id === e.target.value);
          if (p) onChoose(p);
        }}
      >
        <option value="">Somewhere else</option>
        {properties.map((p) => (
          <option key={p.id} value={p.id}>
            {p.address}
          </option>
        ))}
      </select>
      <p className="hint" id="myProperty-hint">
        Choosing a property places the pin on it and fills in its address and kind.
      </p>
    </div>
  );
}
