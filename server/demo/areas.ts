/** Simplified force areas and towns for the demo and the data generator (approximate boundaries). */
type LngLat = [number, number];

// Shared border Sussex/Surrey, east to west, so the two areas meet without gaps or overlaps.
const SURREY_BORDER: LngLat[] = [
  [0.05, 51.14],
  [-0.13, 51.16],
  [-0.2, 51.17],
  [-0.3, 51.14],
  [-0.45, 51.1],
  [-0.6, 51.09],
  [-0.72, 51.08],
  [-0.85, 51.06],
];

const SUSSEX_RING: LngLat[] = [
  [-0.95, 50.84],
  [-0.95, 50.76],
  [-0.8, 50.69],
  [-0.68, 50.75],
  [-0.55, 50.77],
  [-0.37, 50.79],
  [-0.25, 50.81],
  [-0.14, 50.79],
  [0.05, 50.76],
  [0.24, 50.71],
  [0.33, 50.74],
  [0.46, 50.81],
  [0.58, 50.83],
  [0.78, 50.91],
  [0.87, 50.91],
  [0.8, 50.99],
  [0.6, 51.02],
  [0.45, 51.05],
  [0.32, 51.1],
  [0.1, 51.13],
  ...SURREY_BORDER,
  [-0.9, 50.98],
  [-0.94, 50.9],
  [-0.95, 50.84],
];

const SURREY_RING: LngLat[] = [
  ...SURREY_BORDER,
  [-0.85, 51.2],
  [-0.78, 51.33],
  [-0.6, 51.39],
  [-0.5, 51.46],
  [-0.4, 51.42],
  [-0.3, 51.39],
  [-0.15, 51.34],
  [0.0, 51.3],
  [0.06, 51.25],
  [0.05, 51.14],
];

export const DEMO_FORCES = [
  {
    id: 'sussex',
    name: 'Sussex Police',
    area: { type: 'Polygon' as const, coordinates: [SUSSEX_RING] },
  },
  {
    id: 'surrey',
    name: 'Surrey Police',
    area: { type: 'Polygon' as const, coordinates: [SURREY_RING] },
  },
];

export interface Town {
  name: string;
  forceId: string;
  lat: number;
  lng: number;
  /** Relative share of reports. */
  weight: number;
  /** Standard deviation of distance from the centre, km. */
  spreadKm: number;
}

export const TOWNS: Town[] = [
  {
    name: 'Brighton',
    forceId: 'sussex',
    lat: 50.8225,
    lng: -0.1372,
    weight: 10,
    spreadKm: 2.5,
  },
  {
    name: 'Hastings',
    forceId: 'sussex',
    lat: 50.8543,
    lng: 0.5735,
    weight: 5,
    spreadKm: 1.8,
  },
  {
    name: 'Eastbourne',
    forceId: 'sussex',
    lat: 50.7684,
    lng: 0.2903,
    weight: 5,
    spreadKm: 1.8,
  },
  {
    name: 'Crawley',
    forceId: 'sussex',
    lat: 51.1092,
    lng: -0.1872,
    weight: 5,
    spreadKm: 2,
  },
  {
    name: 'Worthing',
    forceId: 'sussex',
    lat: 50.8179,
    lng: -0.3729,
    weight: 4,
    spreadKm: 1.8,
  },
  {
    name: 'Bognor Regis',
    forceId: 'sussex',
    lat: 50.7825,
    lng: -0.676,
    weight: 3,
    spreadKm: 1.5,
  },
  {
    name: 'Chichester',
    forceId: 'sussex',
    lat: 50.8376,
    lng: -0.7749,
    weight: 2,
    spreadKm: 1.2,
  },
  {
    name: 'Horsham',
    forceId: 'sussex',
    lat: 51.0629,
    lng: -0.3259,
    weight: 2,
    spreadKm: 1.2,
  },
  {
    name: 'Guildford',
    forceId: 'surrey',
    lat: 51.2362,
    lng: -0.5704,
    weight: 3,
    spreadKm: 1.5,
  },
  {
    name: 'Woking',
    forceId: 'surrey',
    lat: 51.3186,
    lng: -0.5576,
    weight: 3,
    spreadKm: 1.5,
  },
  {
    name: 'Redhill',
    forceId: 'surrey',
    lat: 51.2402,
    lng: -0.1703,
    weight: 2,
    spreadKm: 1.2,
  },
  {
    name: 'Epsom',
    forceId: 'surrey',
    lat: 51.3331,
    lng: -0.2674,
    weight: 2,
    spreadKm: 1.2,
  },
];

export const STREETS = [
  'High Street',
  'Station Road',
  'London Road',
  'Church Street',
  'Queens Road',
  'Marine Parade',
  'Victoria Road',
  'North Street',
  'Park Lane',
  'Seafront Terrace',
  'Mill Lane',
  'Grove Road',
];
