import type { TestClient } from './http';

export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  /** null = public; 'user' = any signed-in user; else the roles allowed. */
  roles: string[] | 'user' | null;
  pathParams: string[];
  hasBody: boolean;
}

/** Every operation in the served OpenAPI document, with who may call it. */
export async function operationsOf(client: TestClient): Promise<Operation[]> {
  const doc = (await client.get('/api/openapi.json')).body as {
    paths: Record<string, Record<string, { security?: unknown[]; 'x-roles'?: string[]; requestBody?: unknown }>>;
  };
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      ops.push({
        method: method as Operation['method'],
        path,
        roles: isPublic ? null : (op['x-roles'] ?? 'user'),
        pathParams: [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!),
        hasBody: !!op.requestBody,
      });
    }
  }
  return ops;
}

export function fillPath(path: string, value: (name: string) => string): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(value(name)));
}
