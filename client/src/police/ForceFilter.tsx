import { useForces } from '../admin/useForces';
import { useAuth } from '../auth/AuthContext';

/** A police admin sees every force: this narrows the map, queue, charts and exports to one. Officers see nothing. */
export function ForceFilter({ value, onChange }: { value: string | null; onChange: (force: string | null) => void }) {
  const { user } = useAuth();
  const { forces } = useForces();
  if (user?.role !== 'police_admin') return null;
  return (
    <div className="field">
      <label htmlFor="pw-force">Force</label>
      <select id="pw-force" value={value ?? ''} onChange={(e) => onChange(e.target.value || null)}>
        <option value="">All forces</option>
        {forces.map((f) => (
          <option key={f.id} value={f.id}>
            {f.name}
          </option>
        ))}
      </select>
    </div>
  );
}
