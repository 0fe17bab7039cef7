import type { Role } from '../../shared/schemas/auth';

export interface AuthUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  forceId: string | null;
}

export interface AuthContext {
  user: AuthUser;
  sessionId: string;
  csrfToken: string;
}
