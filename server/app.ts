import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cookieParser from 'cookie-parser';
import express, { type Express } from 'express';
import { z } from 'zod';
import { sessionMiddleware } from './accounts/auth.middleware';
import { authRoutes } from './accounts/auth.routes';
import { userRoutes } from './accounts/users.routes';
import { adminRoutes } from './admin/admin.routes';
import { alertLinkRoutes, alertRoutes } from './alerts/alerts.routes';
import { devMailRouter } from './alerts/dev-mail';
import { entityRoutes } from './entities/entities.routes';
import { forceRoutes } from './forces/forces.routes';
import { healthRoutes } from './health/health.routes';
import { accessLog } from './http/access-log';
import { apiNotFound, clientBodyErrors, errorHandler } from './http/errors';
import { buildOpenApi } from './http/openapi';
import { can } from './http/policy';
import { mountRoutes, type RouteDef, route } from './http/route';
import { securityHeaders } from './http/security';
import { mapRoutes } from './map/map.routes';
import { propertyRoutes } from './properties/properties.routes';
import { reportRoutes } from './reports/reports.routes';
import type { Services } from './services';
import { settingsRoutes } from './settings/settings.routes';
import { triageRoutes } from './triage/triage.routes';

export const CLIENT_DIST = fileURLToPath(new URL('../dist/client/', import.meta.url));

export function apiRoutes(s: Services): RouteDef[] {
  return [
    ...healthRoutes(s),
    ...authRoutes(s),
    ...userRoutes(s),
    ...adminRoutes(s),
    ...forceRoutes(s),
    ...reportRoutes(s),
    ...entityRoutes(s),
    ...triageRoutes(s),
    ...mapRoutes(s),
    ...settingsRoutes(s),
    ...propertyRoutes(s),
    ...alertRoutes(s),
    ...alertLinkRoutes(s),
  ];
}

export function createApp(s: Services): { app: Express; routes: RouteDef[] } {
  const app = express();
  app.disable('x-powered-by');
  // API answers are not cached by validators; hashing every response body for an ETag is wasted work.
  app.set('etag', false);
  app.set('trust proxy', s.config.trustProxy);
  app.set('query parser', 'simple');

  app.use(accessLog(s.logger, { skip: (path) => path === '/api/health' }));
  app.use(securityHeaders(s.config));
  app.use(cookieParser());

  const routes = apiRoutes(s);
  const openapiRoute = route({
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This OpenAPI document, generated from the route schemas',
    tags: ['meta'],
    access: can('service.read'),
    response: z.record(z.string(), z.unknown()),
    handler: () => openapi,
  });
  routes.push(openapiRoute);
  const openapi = buildOpenApi(routes, { version: '0.1.0' });

  const api = express.Router();
  api.use(
    '/api',
    clientBodyErrors(
      express.json({
        limit: s.config.bodyLimit,
        strict: true,
        type: ['application/json', 'application/*+json'],
      }),
    ),
  );
  api.use('/api', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  // No CORS: OPTIONS gets the JSON 404 (route groups would otherwise answer it with an Allow list).
  api.use('/api', (req, res, next) => (req.method === 'OPTIONS' ? apiNotFound(req, res, next) : next()));
  // Email-link routes (confirm, one-click unsubscribe) act on their signed token alone: before sessions/CSRF.
  mountRoutes(api, alertLinkRoutes(s));
  api.use('/api', sessionMiddleware(s.sessions, s.config.session));
  mountRoutes(api, routes);
  api.use('/api', apiNotFound);
  app.use(api);
  if (s.config.isDev && s.devMail) app.use('/dev/mail', devMailRouter(s.devMail));

  if (fs.existsSync(path.join(CLIENT_DIST, 'index.html'))) {
    app.use(express.static(CLIENT_DIST, { index: false, maxAge: '1h' }));
    // Any path but the API and the built assets is a client route; a missing /assets/ file is a 404, not the app page.
    app.get(/^\/(?!api\/|assets\/).*/, (_req, res) => res.sendFile(path.join(CLIENT_DIST, 'index.html')));
  }

  app.use(errorHandler(s.logger));
  return { app, routes };
}
