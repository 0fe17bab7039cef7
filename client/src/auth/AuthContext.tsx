import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ChangePasswordBody, LoginBody, RegisterBody, SessionView, UserView } from '../../../shared/schemas/auth';
import { ApiError, api, setCsrfToken } from '../api/client';

interface AuthState {
  user: UserView | null;
  ready: boolean;
  signIn(body: LoginBody): Promise<UserView>;
  register(body: RegisterBody): Promise<UserView>;
  signOut(): Promise<void>;
  /** Checks the current password and sets the new one; this session continues under a new id. */
  changePassword(body: ChangePasswordBody): Promise<void>;
  /** Deletes an owner's or host's account with its data, and forgets the session. */
  deleteAccount(): Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<UserView | null>(null);
  const [ready, setReady] = useState(false);

  const accept = useCallback((s: SessionView) => {
    setCsrfToken(s.csrfToken);
    setUser(s.user);
    return s.user;
  }, []);

  useEffect(() => {
    api<SessionView>('GET', '/api/auth/me')
      .then(accept)
      .catch((err) => {
        if (!(err instanceof ApiError) || err.status !== 401) console.warn('Could not load session', err);
      })
      .finally(() => setReady(true));
  }, [accept]);

  const value = useMemo<AuthState>(
    () => ({
      user,
      ready,
      signIn: async (body) => accept(await api<SessionView>('POST', '/api/auth/login', body)),
      register: async (body) => accept(await api<SessionView>('POST', '/api/auth/register', body)),
      signOut: async () => {
        await api('POST', '/api/auth/logout').catch(() => undefined);
        setCsrfToken(null);
        setUser(null);
      },
      changePassword: async (body) => {
        accept(await api<SessionView>('POST', '/api/auth/password', body));
      },
      deleteAccount: async () => {
        await api('DELETE', '/api/account');
        setCsrfToken(null);
        setUser(null);
      },
    }),
    [user, ready, accept],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}

/** Where each kind of user lands after signing in. */
export function homePathFor(user: UserView): string {
  if (user.role === 'police' || user.role === 'police_admin') return '/police';
  if (user.role === 'owner') return '/owner';
  return '/my-reports';
}
