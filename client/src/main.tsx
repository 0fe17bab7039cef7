import './zod-config';
import { lazy, StrictMode, Suspense } from 'react';
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
import { MyReportsPage } from './my-reports/MyReportsPage';
import { OwnerPage } from './owner/OwnerPage';
import { PoliceWorkspacePage } from './police/PoliceWorkspace';
import { PoliceAlertsPage } from './police-alerts/PoliceAlertsPage';
import { ReportPage } from './report/ReportPage';
import './styles.css';

// The admin console (and its map) loads only when an admin opens it.
const AdminPage = lazy(() => import('./admin/AdminPage').then((m) => ({ default: m.AdminPage })));
const loading = <p className="page">Loading…</p>;
// Linked intelligence: an entity's page (police only), loaded when opened.
const EntityPage = lazy(() => import('./entities/EntityPage').then((m) => ({ default: m.EntityPage })));

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
            <Route
              path="police/entities/:key"
              element={
                <Suspense fallback={loading}>
                  <EntityPage />
                </Suspense>
              }
            />
            <Route path="owner" element={<OwnerPage />} />
            <Route
              path="admin"
              element={
                <Suspense fallback={loading}>
                  <AdminPage />
                </Suspense>
              }
            />
            <Route path="reset-password" element={<ResetPasswordPage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </BrowserRouter>
    </AuthProvider>
  </StrictMode>,
);
