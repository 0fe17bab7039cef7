import { EmergingQuery, EmergingResult } from '../../shared/schemas/emerging';
import { NearRepeatQuery, NearRepeatTable } from '../../shared/schemas/near-repeat';
import {
  ClusterCollection,
  ClustersQuery,
  HeatGrid,
  HeatQuery,
  HotspotCollection,
  HotspotsQuery,
  Repeats,
  RepeatsQuery,
  Timeline,
  TimelineQuery,
} from '../../shared/schemas/police';
import type { Config } from '../config';
import { can } from '../http/policy';
import { limiter } from '../http/rate-limit';
import { type RouteDef, route } from '../http/route';
import type { MapService } from './map.service';
import { filterInput } from './scope';

export function mapRoutes(deps: { map: MapService; config: Config }): RouteDef[] {
  const { map } = deps;
  // Expensive analyses share one budget per officer, so a script (or a stuck tab) cannot monopolise the CPU.
  const analytics = limiter({
    name: 'analytics',
    limit: deps.config.rateLimits.analyticsPerMinute,
    windowMs: 60_000,
    perUser: true,
  });
  return [
    route({
      method: 'get',
      path: '/api/map/clusters',
      summary: 'Clusters of matching reports in the view (≤ ~1,000 features); single reports when zoomed in',
      tags: ['map'],
      access: can('map.view'),
      query: ClustersQuery,
      response: ClusterCollection,
      handler: ({ query, auth }) => map.clusters(filterInput(auth!, query), query.zoom),
    }),
    route({
      method: 'get',
      path: '/api/map/heat',
      summary: 'Quartic kernel density of matching reports on a grid over the view (per km²)',
      tags: ['map'],
      access: can('map.view'),
      before: [analytics],
      errors: [429],
      query: HeatQuery,
      response: HeatGrid,
      handler: ({ query, auth }) => map.heat(filterInput(auth!, query), query.bandwidth),
    }),
    route({
      method: 'get',
      path: '/api/map/hotspots',
      summary:
        'Hotspots and coldspots on a grid: an exact count test per cell neighbourhood (default) or Getis-Ord Gi*, Benjamini-Hochberg corrected; cell size from the data unless chosen',
      tags: ['map'],
      access: can('map.view'),
      before: [analytics],
      errors: [429],
      query: HotspotsQuery,
      response: HotspotCollection,
      handler: ({ query, auth }) =>
        map.hotspots(filterInput(auth!, query), {
          cellSizeM: query.cellSize,
          method: query.method,
          model: query.model,
          fdr: query.fdr,
        }),
    }),
    route({
      method: 'get',
      path: '/api/map/emerging',
      summary:
        'Emerging hot spots: space-time Gi* per weekly or monthly UK bin, Mann-Kendall trend, Esri pattern per cell, with its series',
      tags: ['map'],
      access: can('map.view'),
      before: [analytics],
      errors: [400, 429],
      query: EmergingQuery,
      response: EmergingResult,
      handler: ({ query, auth }) => map.emerging(filterInput(auth!, query), query.step, query.cellSize),
    }),
    route({
      method: 'get',
      path: '/api/map/repeats',
      summary: 'Repeat locations ranked by report count, and near-repeat pairs (close in space and time)',
      tags: ['map'],
      access: can('map.view'),
      before: [analytics],
      errors: [429],
      query: RepeatsQuery,
      response: Repeats,
      handler: ({ query, auth }) =>
        map.repeats(filterInput(auth!, query), {
          limit: query.limit,
          nearDistanceM: query.nearDistanceM,
          nearHours: query.nearHours,
        }),
    }),
    route({
      method: 'get',
      path: '/api/map/near-repeat',
      summary:
        'Knox near-repeat test: pairs of reports per distance × time band against Monte Carlo permutations (bounded; notices say what was cut)',
      tags: ['map'],
      access: can('map.view'),
      before: [analytics],
      errors: [429],
      query: NearRepeatQuery,
      response: NearRepeatTable,
      handler: ({ query, auth }) =>
        map.nearRepeat(filterInput(auth!, query), {
          distanceM: query.distanceM,
          distanceBands: query.distanceBands,
          days: query.days,
          timeBands: query.timeBands,
          permutations: query.permutations,
        }),
    }),
    route({
      method: 'get',
      path: '/api/map/timeline',
      summary: 'Reports per day and the hour × weekday matrix (UK local time, GMT/BST; windows spread evenly over their hours)',
      tags: ['map'],
      access: can('map.view'),
      before: [analytics],
      errors: [429],
      query: TimelineQuery,
      response: Timeline,
      handler: ({ query, auth }) => map.timeline(filterInput(auth!, query)),
    }),
  ];
}
