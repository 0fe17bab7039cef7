import { ClientSettings } from '../../shared/schemas/settings';
import type { Config } from '../config';
import { can } from '../http/policy';
import { type RouteDef, route } from '../http/route';

/** Deployment settings the client reads once at start (the tile provider, so TILE_URL reaches every map). */
export function settingsRoutes(deps: { config: Config }): RouteDef[] {
  const settings: ClientSettings = { tileUrl: deps.config.tileUrl, tileAttribution: deps.config.tileAttribution };
  return [
    route({
      method: 'get',
      path: '/api/settings',
      summary: 'Client settings of this deployment (map tiles)',
      tags: ['meta'],
      access: can('service.read'),
      response: ClientSettings,
      handler: () => settings,
    }),
  ];
}
