import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { z } from 'zod';
import type { Role } from '../../shared/schemas/auth';
import type { AuthContext } from '../accounts/session.types';
import { errors, zodDetails } from './errors';
import type { Action, Permit } from './policy';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type AnySchema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/**
 * Who may call a route: an action of the policy table (server/http/policy.ts), `can('report.read')`; or, outside
 * the table, anyone, any signed-in user, or signed-in users with one of these roles.
 */
export type Access = 'public' | 'user' | readonly Role[] | Permit;

/** The roles an access admits, as the OpenAPI document states them ('public': anyone; 'user': any signed-in user). */
export function accessRoles(access: Access): 'public' | 'user' | readonly Role[] {
  if (typeof access === 'string' || Array.isArray(access)) return access as 'public' | 'user' | readonly Role[];
  const { who } = access as Permit;
  return who === 'anyone' ? 'public' : who === 'signed-in' ? 'user' : who;
}

/** The policy action a route performs, when its access names one. */
export function accessAction(access: Access): Action | null {
  return typeof access === 'object' && 'action' in access ? access.action : null;
}

export interface HandlerContext<B, Q, P> {
  body: Out<B>;
  query: Out<Q>;
  params: Out<P>;
  auth: AuthContext | null;
  req: Request;
  res: Response;
}

export interface RouteDef<
  B extends AnySchema | undefined = AnySchema | undefined,
  Q = AnySchema | undefined,
  P = AnySchema | undefined,
> {
  method: Method;
  /** Express-style path, e.g. `/api/reports/:id`. */
  path: string;
  summary: string;
  tags: string[];
  access: Access;
  body?: B;
  query?: Q;
  params?: P;
  /** Success status (default 200) and its JSON schema; `produces` for non-JSON responses. */
  status?: number;
  response?: AnySchema;
  produces?: string;
  errors?: number[];
  before?: RequestHandler[];
  handler: (ctx: HandlerContext<B, Q, P>) => unknown;
}

/** Identity function that keeps the handler's input types tied to the route's schemas. */
export function route<
  B extends AnySchema | undefined = undefined,
  Q extends AnySchema | undefined = undefined,
  P extends AnySchema | undefined = undefined,
>(def: RouteDef<B, Q, P>): RouteDef {
  return def as unknown as RouteDef;
}

function parse(schema: AnySchema | undefined, value: unknown, where: string): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const details = zodDetails(result.error).map((d) => ({
      ...d,
      path: d.path === '(root)' ? where : `${where}.${d.path}`,
    }));
    throw errors.invalid('Invalid input', details);
  }
  return result.data;
}

function checkAccess(access: Access, auth: AuthContext | null): void {
  const roles = accessRoles(access);
  if (roles === 'public') return;
  if (!auth) throw errors.unauthenticated();
  if (roles !== 'user' && !roles.includes(auth.user.role)) throw errors.forbidden();
}

/**
 * Mount routes as `access → validate → handler → JSON`, in one sub-router per path prefix (`/api/reports`,
 * `/api/map`...): a request is matched against a dozen prefixes and then its own few routes, not against every
 * route in turn. Order is kept within a prefix, and two prefixes never match the same path.
 */
export function mountRoutes(router: Router, routes: RouteDef[]): void {
  const groups = new Map<string, Router>();
  for (const r of routes) {
    const prefix = prefixOf(r.path);
    let group = groups.get(prefix);
    if (!group) {
      group = express.Router();
      groups.set(prefix, group);
      if (prefix) router.use(prefix, group);
      else router.use(group);
    }
    group[r.method](r.path.slice(prefix.length) || '/', ...(r.before ?? []), handlerFor(r));
  }
}

/** `/api/reports/:id/notes` → `/api/reports` (the first two segments, when neither is a parameter). */
function prefixOf(path: string): string {
  const parts = path.split('/').slice(0, 3);
  return parts.some((p) => /[:*{}()]/.test(p)) ? '' : parts.join('/');
}

function handlerFor(r: RouteDef): RequestHandler {
  return async (req, res) => {
    res.locals.route = r.path;
    const auth = (res.locals.auth as AuthContext | undefined) ?? null;
    checkAccess(r.access, auth);
    const input = {
      body: parse(r.body, req.body, 'body'),
      query: parse(r.query, req.query, 'query'),
      params: parse(r.params, req.params, 'params'),
    };
    res.locals.input = input;
    const result = await r.handler({
      ...input,
      auth,
      req,
      res,
    } as HandlerContext<unknown, unknown, unknown> as never);
    if (res.headersSent || res.writableEnded) return;
    if (result === undefined) {
      res.status(r.status ?? 204).end();
      return;
    }
    res.status(r.status ?? 200).json(result);
  };
}
