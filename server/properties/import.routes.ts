import { PropertyImportBody, PropertyImportResult } from '../../shared/schemas/alerts';
import { GeocodeQuery, GeocodeResults } from '../../shared/schemas/geocode';
import type { Config } from '../config';
import { geocoderFor } from '../geo/geocoder';
import { errors } from '../http/errors';
import { can } from '../http/policy';
import { type RouteDef, route } from '../http/route';
import type { Logger } from '../logger';
import { importProperties } from './import';
import type { PropertyService } from './properties.service';

/** Finding an address or postcode for a property (GEOCODER_URL), and importing a letting agency's CSV file. */
export function propertyImportRoutes(deps: { config: Config; logger: Logger; properties: PropertyService }): RouteDef[] {
  const geocoder = geocoderFor(deps.config.geocoderUrl);
  return [
    route({
      method: 'get',
      path: '/api/geocode',
      summary:
        'Places for a postcode or town (a property, or the centre of an alert or advisory area), through the configured postcodes.io-compatible geocoder; `available: false` when there is none (place the pin on the map)',
      tags: ['properties'],
      // Whoever sets alert areas: owners and hosts place properties and area centres, officers centre alert and
      // advisory areas on a postcode (the keyboard alternative to drawing).
      access: can('alert.subscribe'),
      query: GeocodeQuery,
      response: GeocodeResults,
      errors: [400, 502],
      handler: async ({ query }) => {
        if (!geocoder) return { available: false, results: [] };
        try {
          return { available: true, results: await geocoder.search(query.q) };
        } catch (err) {
          deps.logger.warn({ err }, 'geocoder failed');
          throw errors.upstream('The address finder is not answering; place the pin on the map instead');
        }
      },
    }),
    route({
      method: 'post',
      path: '/api/properties/import',
      summary:
        'Import a batch of rows of a CSV file (at most 50; the client sends the file in batches and shows progress) as your properties; each row is created or rejected with its line number and a reason',
      tags: ['properties'],
      access: can('property.manage'),
      body: PropertyImportBody,
      response: PropertyImportResult,
      errors: [400],
      handler: ({ auth, body }) => importProperties({ properties: deps.properties, geocoder }, auth!.user.id, body),
    }),
  ];
}
