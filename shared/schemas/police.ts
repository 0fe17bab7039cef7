/**
 * Police workspace API contract: triage list/detail/patch, audit, export, and map analytics.
 * Query strings arrive as strings, so query schemas coerce; response schemas describe JSON as sent.
 */
import { z } from 'zod';
import { INDICATOR_IDS, PROPERTY_TYPE_IDS, REPORT_STATUSES, REPORTER_ROLE_IDS } from '../taxonomy';
import { AuditFilterShape } from './admin';
import { ObjectId } from './common';
import { VerificationStatusEnum } from './verification';

export const ReportStatusEnum = z.enum(REPORT_STATUSES);
export const PropertyTypeEnum = z.enum(PROPERTY_TYPE_IDS);
export const PriorityEnum = z.enum(['safeguarding', 'standard']);
export const OwnerAlertEnum = z.enum(['withheld', 'released']);

/** Allowed status transitions (closed/rejected → triaged reopens). */
export const STATUS_TRANSITIONS: Record<(typeof REPORT_STATUSES)[number], readonly (typeof REPORT_STATUSES)[number][]> = {
  new: ['triaged', 'rejected'],
  triaged: ['under_investigation', 'actioned', 'closed', 'rejected'],
  under_investigation: ['actioned', 'closed', 'rejected'],
  actioned: ['closed'],
  closed: ['triaged'],
  rejected: ['triaged'],
};

// ---------------------------------------------------------------- query-string helpers

const csv = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);

/** `w,s,e,n` in degrees. */
export const BboxParam = z
  .string()
  .transform((s, ctx) => {
    const parts = s.split(',').map((x) => Number(x));
    if (parts.length !== 4 || parts.some((x) => !Number.isFinite(x))) {
      ctx.addIssue({ code: 'custom', message: 'Expected bbox=w,s,e,n' });
      return z.NEVER;
    }
    const [w, so, e, n] = parts as [number, number, number, number];
    if (w < -180 || e > 180 || so < -90 || n > 90 || w > e || so > n) {
      ctx.addIssue({ code: 'custom', message: 'bbox out of range or inverted' });
      return z.NEVER;
    }
    return [w, so, e, n] as [number, number, number, number];
  })
  .meta({ description: 'w,s,e,n in degrees (WGS84)', example: '-0.2,51.4,0.1,51.6' });
export type Bbox = [number, number, number, number];

const IndicatorsParam = z
  .string()
  .transform((s, ctx) => {
    const ids = csv(s).map(Number);
    if (ids.some((i) => !INDICATOR_IDS.includes(i))) {
      ctx.addIssue({ code: 'custom', message: `Indicators are ids ${INDICATOR_IDS[0]}..${INDICATOR_IDS.at(-1)}` });
      return z.NEVER;
    }
    return ids;
  })
  .meta({ description: 'Comma-separated indicator ids; a report matches if it has any of them', example: '3,7' });

const enumList = <T extends string>(values: readonly [T, ...T[]], label: string) =>
  z
    .string()
    .transform((s, ctx) => {
      const items = csv(s);
      const bad = items.filter((x) => !values.includes(x as T));
      if (bad.length) {
        ctx.addIssue({ code: 'custom', message: `Unknown ${label}: ${bad.join(', ')}` });
        return z.NEVER;
      }
      return items as T[];
    })
    .meta({ description: `Comma-separated ${label} (any of)` });

const DateTimeParam = z.coerce.date().refine((d) => !Number.isNaN(d.getTime()), 'Expected an ISO date-time');

/** Filters shared by list, export and every map endpoint. */
export const reportFilterShape = {
  bbox: BboxParam.optional(),
  from: DateTimeParam.optional().meta({ description: 'Observation window overlaps [from, to]' }),
  to: DateTimeParam.optional(),
  indicators: IndicatorsParam.optional(),
  types: enumList(PROPERTY_TYPE_IDS, 'property types').optional(),
  statuses: enumList(REPORT_STATUSES, 'statuses').optional(),
  priority: PriorityEnum.optional(),
  q: z.string().trim().max(200).optional().meta({ description: 'Address contains (case-insensitive)' }),
  force: z
    .string()
    .regex(/^[a-z0-9-]{2,40}$/)
    .optional()
    .meta({ description: 'police_admin only: restrict to one force (default: all)' }),
};
export const ReportFilters = z.strictObject(reportFilterShape);
export type ReportFilters = z.output<typeof ReportFilters>;
/** The filter query as the client writes it (all strings). */
export type ReportFiltersInput = z.input<typeof ReportFilters>;

const Cursor = z.string().max(200).optional();

export const ReportListQuery = z.strictObject({
  ...reportFilterShape,
  cursor: Cursor,
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ReportListQuery = z.output<typeof ReportListQuery>;

export const ExportQuery = z.strictObject({
  ...reportFilterShape,
  format: z.enum(['csv', 'geojson']).default('csv'),
});
export type ExportQuery = z.output<typeof ExportQuery>;

export const AuditQuery = z.strictObject({
  ...AuditFilterShape,
  cursor: Cursor,
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type AuditQuery = z.output<typeof AuditQuery>;

export const ClustersQuery = z.strictObject({
  ...reportFilterShape,
  zoom: z.coerce.number().int().min(0).max(22),
});
export type ClustersQuery = z.output<typeof ClustersQuery>;

export const HeatQuery = z.strictObject({
  ...reportFilterShape,
  zoom: z.coerce.number().int().min(0).max(22).optional(),
  bandwidth: z.coerce.number().min(10).max(50_000).default(500),
});
export type HeatQuery = z.output<typeof HeatQuery>;

export const HotspotsQuery = z.strictObject({
  ...reportFilterShape,
  cellSize: z.coerce
    .number()
    .min(50)
    .max(20_000)
    .optional()
    .meta({ description: 'Cell size in metres; default: from the data (twice the mean nearest-neighbour distance)' }),
  method: z
    .enum(['exact', 'gistar'])
    .default('exact')
    .meta({ description: 'exact: count test valid on sparse data (default); gistar: the former Getis-Ord Gi* z-test' }),
  model: z
    .enum(['binomial', 'negbin'])
    .default('negbin')
    .meta({
      description: 'exact only: negative binomial (default; allows for the overall clumping of reports) or binomial (against an even spread)',
    }),
  fdr: z.coerce.number().min(0.001).max(0.1).default(0.05).meta({ description: 'False discovery rate (exact only)' }),
});
export type HotspotsQuery = z.output<typeof HotspotsQuery>;

export const RepeatsQuery = z.strictObject({
  ...reportFilterShape,
  limit: z.coerce.number().int().min(1).max(200).default(20),
  nearDistanceM: z.coerce.number().min(1).max(5000).default(200),
  nearHours: z.coerce
    .number()
    .min(1)
    .max(24 * 90)
    .default(24 * 7),
});
export type RepeatsQuery = z.output<typeof RepeatsQuery>;

export const TimelineQuery = z.strictObject(reportFilterShape);
export type TimelineQuery = z.output<typeof TimelineQuery>;

// ---------------------------------------------------------------- triage payloads

const UserRef = z.object({ id: z.string(), name: z.string() }).meta({ id: 'UserRef' });
export type UserRef = z.infer<typeof UserRef>;

export const ReportSummary = z
  .object({
    id: z.string(),
    reference: z.string(),
    createdAt: z.string(),
    observedFrom: z.string(),
    observedTo: z.string(),
    lat: z.number(),
    lng: z.number(),
    address: z.string().nullable(),
    propertyType: PropertyTypeEnum,
    indicators: z.array(z.number()),
    priority: PriorityEnum,
    status: ReportStatusEnum,
    forceId: z.string(),
    assignedTo: UserRef.nullable(),
    ownerAlert: OwnerAlertEnum,
    /** The reporter added information the assigned officer has not opened yet. */
    unread: z.boolean(),
  })
  .meta({ id: 'ReportSummary' });
export type ReportSummary = z.infer<typeof ReportSummary>;

export const ReportList = z
  .object({
    items: z.array(ReportSummary),
    nextCursor: z.string().nullable(),
    total: z.number(),
  })
  .meta({ id: 'ReportList' });
export type ReportList = z.infer<typeof ReportList>;

export const ReportDetail = ReportSummary.extend({
  description: z.string(),
  reporterRole: z.enum(REPORTER_ROLE_IDS),
  contact: z
    .object({
      name: z.string().optional(),
      phone: z.string().optional(),
      email: z.string().optional(),
    })
    .nullable(),
  listingUrl: z.string().nullable(),
  statusHistory: z.array(
    z.object({
      status: ReportStatusEnum,
      at: z.string(),
      by: UserRef.nullable(),
      note: z.string().optional(),
    }),
  ),
  notes: z.array(z.object({ text: z.string(), at: z.string(), by: UserRef.nullable() })),
  questions: z.array(z.object({ text: z.string(), at: z.string(), by: UserRef.nullable() })),
  /** `answers`: the index in `questions` of the question this reply answers, or null for information added on its own. */
  addenda: z.array(z.object({ text: z.string(), at: z.string(), answers: z.number().nullable() })),
  linkedReports: z.array(z.object({ id: z.string(), reference: z.string(), status: ReportStatusEnum })),
  suggestedProperty: z
    .object({ id: z.string(), address: z.string(), distanceM: z.number(), verification: VerificationStatusEnum })
    .nullable(),
  audit: z.array(z.object({ action: z.string(), at: z.string(), by: UserRef.nullable() })),
  allowedTransitions: z.array(ReportStatusEnum),
}).meta({ id: 'ReportDetail' });
export type ReportDetail = z.infer<typeof ReportDetail>;

export const ReportPatch = z
  .strictObject({
    status: ReportStatusEnum.optional(),
    statusNote: z.string().trim().min(1).max(2000).optional(),
    assignTo: ObjectId.nullable().optional(),
    note: z.string().trim().min(1).max(5000).optional(),
    question: z.string().trim().min(1).max(2000).optional(),
    link: ObjectId.optional(),
    unlink: ObjectId.optional(),
    ownerAlert: OwnerAlertEnum.optional(),
    /** A priority change needs `priorityReason` (both audited). */
    priority: PriorityEnum.optional(),
    priorityReason: z.string().trim().min(3).max(500).optional(),
  })
  .meta({ id: 'ReportPatch' });
export type ReportPatch = z.infer<typeof ReportPatch>;

export const AuditEntry = z
  .object({
    id: z.string(),
    action: z.string(),
    reportId: z.string().nullable(),
    userId: z.string(),
    userName: z.string().nullable(),
    at: z.string(),
    /** What the action changed (from/to, the account or force concerned), for the admin's audit view. */
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditList = z.object({ items: z.array(AuditEntry), nextCursor: z.string().nullable() }).meta({ id: 'AuditList' });
export type AuditList = z.infer<typeof AuditList>;

/** One 0/1 column per checklist indicator: "Indicator 1" … "Indicator 18" (the README's data dictionary names them). */
export const INDICATOR_COLUMNS = INDICATOR_IDS.map((id) => `Indicator ${id}` as const);

/**
 * CSV columns of the export, in order. The first seven keep police.uk's names and meanings ("Reported by" and
 * "Falls within" are the force); every other fact has its own column, times are UK local with their offset.
 * GeoJSON features carry the same properties.
 */
export const EXPORT_COLUMNS = [
  'ID',
  'Month',
  'Reported by',
  'Falls within',
  'Longitude',
  'Latitude',
  'Location',
  'Property type',
  'Reporter role',
  'Priority',
  'Status',
  'Reported at',
  'Observed from',
  'Observed to',
  ...INDICATOR_COLUMNS,
] as const;

// ---------------------------------------------------------------- map payloads

const PointGeometry = z.object({ type: z.literal('Point'), coordinates: z.tuple([z.number(), z.number()]) });

export const ClusterProperties = z.object({
  cluster: z.literal(true),
  count: z.number(),
  safeguarding: z.number(),
  standard: z.number(),
  bounds: z.tuple([z.number(), z.number(), z.number(), z.number()]),
});
export const SingleReportProperties = z.object({
  cluster: z.literal(false),
  id: z.string(),
  reference: z.string(),
  priority: PriorityEnum,
  status: ReportStatusEnum,
  propertyType: PropertyTypeEnum,
  count: z.literal(1),
});
export const ClusterFeature = z.object({
  type: z.literal('Feature'),
  geometry: PointGeometry,
  properties: z.union([ClusterProperties, SingleReportProperties]),
});
export type ClusterFeature = z.infer<typeof ClusterFeature>;

export const ClusterCollection = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z.array(ClusterFeature),
    total: z.number(),
  })
  .meta({ id: 'ClusterCollection' });
export type ClusterCollection = z.infer<typeof ClusterCollection>;

export const HeatGrid = z
  .object({
    bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
    cols: z.number(),
    rows: z.number(),
    cellSizeM: z.number(),
    bandwidthM: z.number(),
    max: z.number(),
    /** Row-major, row 0 = north; density in reports per km². */
    values: z.array(z.number()),
  })
  .meta({ id: 'HeatGrid' });
export type HeatGrid = z.infer<typeof HeatGrid>;

/** How the exact hotspot layer was made, for the legend; the not-enough state instead of noise. */
const HotspotMetaExtra = z.object({
  fdr: z.number(),
  reports: z.number(),
  cellSizeSource: z.enum(['data', 'chosen']),
  /** The cell size (m) before it was enlarged to keep the map readable (the grid's cell cap), or null. */
  enlargedFromM: z.number().nullable(),
  neighbourhood: z.string(),
  meanNearestNeighbourM: z.number().nullable(),
  notEnough: z.object({ reason: z.string(), minReports: z.number() }).nullable(),
});

export const HOTSPOT_BINS = [99, 95, 90, -90, -95, -99] as const;
export const HotspotFeature = z.object({
  type: z.literal('Feature'),
  geometry: z.object({
    type: z.literal('Polygon'),
    coordinates: z.array(z.array(z.tuple([z.number(), z.number()]))),
  }),
  properties: z.object({
    count: z.number(),
    /** Gi* z-score; null for the exact test. */
    z: z.number().nullable(),
    /** Exact test: reports in the cell's neighbourhood and the number expected there by chance. */
    neighbourhood: z.number().optional(),
    expected: z.number().optional(),
    p: z.number(),
    bin: z.union([z.literal(99), z.literal(95), z.literal(90), z.literal(-90), z.literal(-95), z.literal(-99)]),
  }),
});
export type HotspotFeature = z.infer<typeof HotspotFeature>;

export const HotspotCollection = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z.array(HotspotFeature),
    meta: z.object({
      cellSizeM: z.number(),
      cells: z.number(),
      tested: z.number(),
      significant: z.number(),
      method: z.enum(['Exact binomial test', 'Exact negative-binomial test', 'Getis-Ord Gi*']),
      correction: z.literal('FDR (Benjamini-Hochberg)'),
      ...HotspotMetaExtra.shape,
    }),
  })
  .meta({ id: 'HotspotCollection' });
export type HotspotCollection = z.infer<typeof HotspotCollection>;

const RepeatEnd = z.object({ id: z.string(), reference: z.string(), lat: z.number(), lng: z.number(), at: z.string() });
export const Repeats = z
  .object({
    locations: z.array(
      z.object({
        lat: z.number(),
        lng: z.number(),
        count: z.number(),
        address: z.string().nullable(),
        reportIds: z.array(z.string()),
      }),
    ),
    nearRepeats: z.array(z.object({ a: RepeatEnd, b: RepeatEnd, distanceM: z.number(), hours: z.number() })),
    /** The near-repeat search is bounded; `capped` says it stopped early (and why), so the list may miss pairs. */
    limits: z.object({
      capped: z.boolean(),
      reason: z.enum(['pairs', 'time']).nullable(),
      examinedPairs: z.number(),
      maxPairs: z.number(),
    }),
  })
  .meta({ id: 'Repeats' });
export type Repeats = z.infer<typeof Repeats>;

export const Timeline = z
  .object({
    days: z.array(z.object({ date: z.string(), count: z.number() })),
    /** 7 rows (row 0 = Monday) × 24 hours (UTC); fractional because windows are spread evenly. */
    hourWeekday: z.array(z.array(z.number())),
  })
  .meta({ id: 'Timeline' });
export type Timeline = z.infer<typeof Timeline>;
