import './zod-config';
import { lazy, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import { AccountPage } from './auth/AccountPage';
import { AuthProvider } from './auth/AuthContext';
import { RegisterPage } from './auth/RegisterPage';
import { ResetPasswordPage } from './auth/ResetPasswordPage';
import { SignInPage } from './auth/SignInPage';
import { FollowUpPage } from './follow-up/FollowUpPage';
import { HomePage } from './home/HomePage';
import { Layout } from './layout/Layout';
import { NotFoundPage } from './layout/NotFoundPage';
// Leaflet's stylesheet stays in the first stylesheet, before ours, so our rules still override it
// (a lazily loaded copy would come after styles.css and win ties such as the map background).
import 'leaflet/dist/leaflet.css';
import './styles.css';

// Pages with a map or for one role load when opened, so the first page does not carry leaflet, geoman
// or the police workspace. Layout shows the loading state (Suspense) and a reload offer if a load fails.
const ReportPage = lazy(() => import('./report/ReportPage').then((m) => ({ default: m.ReportPage })));
const MyReportsPage = lazy(() => import('./my-reports/MyReportsPage').then((m) => ({ default: m.MyReportsPage })));
const PoliceWorkspacePage = lazy(() =>
  import('./police/PoliceWorkspace').then((m) => ({ default: m.PoliceWorkspacePage })),
);
const PoliceAlertsPage = lazy(() =>
  import('./police-alerts/PoliceAlertsPage').then((m) => ({ default: m.PoliceAlertsPage })),
);
const EntityPage = lazy(() => import('./entities/EntityPage').then((m) => ({ default: m.EntityPage })));
const OwnerPage = lazy(() => import('./owner/OwnerPage').then((m) => ({ default: m.OwnerPage })));
const AdminPage = lazy(() => import('./admin/AdminPage').then((m) => ({ default: m.AdminPage })));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AuthProvider>
      <BrowserRouter>
        <Routes>
          <Route element={<Layout />}>
            <Route index element={<HomePage />} />
            <Route path="sign-in" element={<SignInPage />} />
            <Route path="register" element={<RegisterPage />} />
            <Route path="account" element={<AccountPage />} />
            <Route path="report" element={<ReportPage />} />
            <Route path="follow-up" element={<FollowUpPage />} />
            <Route path="my-reports" element={<MyReportsPage />} />
            <Route path="police" element={<PoliceWorkspacePage />} />
            <Route path="police/alerts" element={<PoliceAlertsPage />} />
            <Route path="police/entities/:key" element={<EntityPage />} />
            <Route path="owner" element={<OwnerPage />} />
            <Route path="admin" element={<AdminPage />} />
            <Route path="reset-password" element={<ResetPasswordPage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </BrowserRouter>
    </AuthProvider>
  </StrictMode>,
);
