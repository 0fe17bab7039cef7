import { z } from 'zod';
import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
} from 'zod-openapi';
import { ErrorResponse } from '../../shared/schemas/common';
import { accessAction, accessRoles, type RouteDef } from './route';

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input',
  401: 'Not signed in',
  403: 'Signed in without the needed role, or CSRF token missing',
  404: 'Not found',
  409: 'Conflict',
  413: 'Body too large',
  422: 'Understood but cannot be processed',
  429: 'Rate limited; see Retry-After',
  503: 'Database unavailable',
};

function operation(r: RouteDef): ZodOpenApiOperationObject {
  const statuses = new Set<number>(r.errors ?? []);
  if (r.body || r.query || r.params) statuses.add(400);
  const roles = accessRoles(r.access);
  const action = accessAction(r.access);
  if (roles !== 'public') {
    statuses.add(401);
    statuses.add(403);
  }
  const ok = r.status ?? (r.response || r.produces ? 200 : 204);
  const responses: Record<string, ZodOpenApiResponseObject> = {
    [String(ok)]: r.produces
      ? { description: 'OK', content: { [r.produces]: { schema: z.string() } } }
      : r.response
        ? {
            description: 'OK',
            content: { 'application/json': { schema: r.response } },
          }
        : { description: 'Done' },
  };
  for (const s of statuses) {
    responses[String(s)] = {
      description: ERROR_TEXT[s] ?? 'Error',
      content: { 'application/json': { schema: ErrorResponse } },
    };
  }
  const op: ZodOpenApiOperationObject = {
    summary: r.summary,
    tags: r.tags,
    operationId: `${r.method}_${r.path.replace(/^\/api\//, '').replace(/[/:{}-]+/g, '_')}`,
    responses: responses as ZodOpenApiOperationObject['responses'],
    security: roles === 'public' ? [] : [{ session: [], csrf: [] }],
    ...(roles !== 'public' && roles !== 'user' ? { 'x-roles': [...roles] } : {}),
    // The action of the policy table (server/http/policy.ts) the route performs.
    ...(action ? { 'x-action': action } : {}),
  };
  const params: NonNullable<ZodOpenApiOperationObject['requestParams']> = {};
  if (r.query) params.query = r.query as never;
  if (r.params) params.path = r.params as never;
  if (r.query || r.params) op.requestParams = params;
  if (r.body)
    op.requestBody = {
      required: true,
      content: { 'application/json': { schema: r.body } },
    };
  return op;
}

export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export function buildOpenApi(routes: RouteDef[], extra: { version: string }) {
  const paths: ZodOpenApiPathsObject = {};
  for (const r of routes) {
    const p = toOpenApiPath(r.path);
    paths[p] = { ...(paths[p] ?? {}), [r.method]: operation(r) };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'StayWatch API',
      version: extra.version,
      description:
        'Report, map and alert on county-lines activity in short-let properties. Cookie-authenticated state changes need the X-CSRF-Token header.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: {
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'sid',
          description: 'Session cookie (`__Host-sid` outside development)',
        },
        csrf: {
          type: 'apiKey',
          in: 'header',
          name: 'X-CSRF-Token',
          description: 'Token from the session, for POST/PUT/PATCH/DELETE',
        },
      },
    },
  });
}
