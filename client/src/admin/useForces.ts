import type { ForceView } from '../../../shared/schemas/forces';
import { useApiGet } from '../api/useApiGet';

/** The forces, for pickers and names ("Sussex Police", not `sussex`). */
export function useForces(version = 0): { forces: ForceView[]; nameOf: (id: string | null) => string } {
  const { data } = useApiGet<{ forces: ForceView[] }>('/api/forces', 0, version);
  const forces = data?.forces ?? [];
  return { forces, nameOf: (id) => (id ? (forces.find((f) => f.id === id)?.name ?? id) : '—') };
}
