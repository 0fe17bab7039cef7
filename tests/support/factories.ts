import type { Role } from '../../shared/schemas/auth';
import type { Services } from '../../server/services';

let n = 0;
export const TEST_PASSWORD = 'correct-horse-battery';

/** Creates a user with sensible defaults; police users belong to Sussex unless told otherwise. */
export async function createUser(s: Services, role: Role, overrides: { email?: string; forceId?: string; name?: string } = {}) {
  n += 1;
  const email = overrides.email ?? `${role}${n}-${Date.now()}@example.test`;
  const user = await s.users.create({
    email,
    name: overrides.name ?? `Test ${role} ${n}`,
    role,
    password: TEST_PASSWORD,
    forceId: role === 'police' ? (overrides.forceId ?? 'sussex') : null,
  });
  return { id: user._id.toString(), email, password: TEST_PASSWORD, role };
}
