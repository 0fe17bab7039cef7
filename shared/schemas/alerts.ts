import { z } from 'zod';
import { LIMITS } from '../limits';
import { PROPERTY_TYPE_IDS } from '../taxonomy';
import { LatLng, ObjectId } from './common';
import { PropertyVerificationView } from './verification';

/** Properties, subscriptions, advisories and sent alerts: shared by the API and the owner/police forms. */

export const ALERT_LIMITS = {
  radiusMaxM: 2000,
  polygonMin: 3,
  polygonMax: 100,
  subscriptionsPerUser: 20,
  /** Alert areas an owner or host may draw in any 7 days (police areas are not limited). */
  areasPerWeek: 5,
  propertiesPerUser: 50,
  advisorySubjectMax: 120,
  advisoryBodyMax: 5000,
  digestItemsMax: 20,
} as const;

const Address = z.string().trim().min(3).max(LIMITS.addressMax);
const ListingUrl = z
  .string()
  .trim()
  .max(LIMITS.listingUrlMax)
  .pipe(z.url({ protocol: /^https?$/ }));

export const PropertyCreate = z.strictObject({
  address: Address,
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
  type: z.enum(PROPERTY_TYPE_IDS),
  listingUrl: ListingUrl.nullable().optional(),
});
export type PropertyCreate = z.infer<typeof PropertyCreate>;

export const PropertyUpdate = PropertyCreate.partial().refine((v) => (v.lat === undefined) === (v.lng === undefined), {
  message: 'Send lat and lng together',
  path: ['lat'],
});
export type PropertyUpdate = z.infer<typeof PropertyUpdate>;

export const PropertyView = z
  .object({
    id: z.string(),
    address: z.string(),
    lat: z.number(),
    lng: z.number(),
    type: z.enum(PROPERTY_TYPE_IDS),
    listingUrl: z.string().nullable(),
    verification: PropertyVerificationView,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Property' });
export type PropertyView = z.infer<typeof PropertyView>;

export const PropertyList = z.object({ properties: z.array(PropertyView) });

export const SUBSCRIPTION_MODES = ['instant', 'daily'] as const;
export type SubscriptionMode = (typeof SUBSCRIPTION_MODES)[number];
export const Mode = z.enum(SUBSCRIPTION_MODES);
export const MinPriority = z.enum(['standard', 'safeguarding']);

export const AreaPolygon = z.array(LatLng).min(ALERT_LIMITS.polygonMin).max(ALERT_LIMITS.polygonMax);

export const PropertySubscriptionCreate = z.strictObject({
  kind: z.literal('property'),
  propertyId: ObjectId,
  radiusM: z.number().int().min(0).max(ALERT_LIMITS.radiusMaxM),
  mode: Mode,
});
export const AreaSubscriptionCreate = z.strictObject({
  kind: z.literal('area'),
  polygon: AreaPolygon,
  mode: Mode,
  /** Police only: 'safeguarding' = only safeguarding reports; 'standard' = all reports. */
  minPriority: MinPriority.optional(),
});
export const SubscriptionCreate = z.discriminatedUnion('kind', [PropertySubscriptionCreate, AreaSubscriptionCreate]);
export type SubscriptionCreate = z.infer<typeof SubscriptionCreate>;

export const SUBSCRIPTION_STATUSES = ['pending', 'confirmed', 'unsubscribed'] as const;

export const SubscriptionView = z
  .object({
    id: z.string(),
    kind: z.enum(['property', 'area']),
    propertyId: z.string().nullable(),
    radiusM: z.number().nullable(),
    polygon: z.array(z.object({ lat: z.number(), lng: z.number() })).nullable(),
    center: z.object({ lat: z.number(), lng: z.number() }).nullable(),
    mode: Mode,
    minPriority: MinPriority.nullable(),
    status: z.enum(SUBSCRIPTION_STATUSES),
    email: z.string(),
    createdAt: z.string(),
    confirmedAt: z.string().nullable(),
  })
  .meta({ id: 'Subscription' });
export type SubscriptionView = z.infer<typeof SubscriptionView>;
export const SubscriptionList = z.object({ subscriptions: z.array(SubscriptionView) });

/** Confirm and unsubscribe links: `?token=`; a POST may carry `List-Unsubscribe=One-Click` (ignored). */
export const TokenQuery = z.strictObject({ token: z.string().min(10).max(400) });

export const AdvisoryPreviewBody = z.strictObject({ polygon: AreaPolygon });
export const AdvisoryCreate = z.strictObject({
  polygon: AreaPolygon,
  subject: z.string().trim().min(3).max(ALERT_LIMITS.advisorySubjectMax),
  body: z.string().trim().min(10).max(ALERT_LIMITS.advisoryBodyMax),
});
export type AdvisoryCreate = z.infer<typeof AdvisoryCreate>;
export const AdvisoryPreview = z.object({ count: z.number().int() }).meta({ id: 'AdvisoryPreview' });
export const AdvisoryView = z
  .object({
    id: z.string(),
    subject: z.string(),
    body: z.string(),
    polygon: z.array(z.object({ lat: z.number(), lng: z.number() })),
    recipients: z.number().int(),
    createdAt: z.string(),
  })
  .meta({ id: 'Advisory' });
export type AdvisoryView = z.infer<typeof AdvisoryView>;
export const AdvisoryList = z.object({ advisories: z.array(AdvisoryView) });

export const ALERT_KINDS = ['confirm', 'police_report', 'area', 'property', 'advisory', 'hotspot', 'digest'] as const;
export const AlertView = z
  .object({
    id: z.string(),
    kind: z.enum(ALERT_KINDS),
    subject: z.string(),
    text: z.string(),
    status: z.string(),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
  })
  .meta({ id: 'SentAlert' });
export type AlertView = z.infer<typeof AlertView>;
export const AlertList = z.object({ alerts: z.array(AlertView) });

/** A batch of rows of a letting agency's CSV file (columns keyed by shared/csv.ts `csvKey`), with their line numbers. */
export const PROPERTY_IMPORT_BATCH = 50;
export const PropertyImportBody = z
  .strictObject({
    rows: z
      .array(z.strictObject({ line: z.number().int().min(1), values: z.record(z.string().max(40), z.string().max(2000)) }))
      .min(1)
      .max(PROPERTY_IMPORT_BATCH),
  })
  .meta({ id: 'PropertyImportBody' });
export type PropertyImportBody = z.infer<typeof PropertyImportBody>;

export const PropertyImportResult = z
  .object({
    created: z.array(z.object({ line: z.number(), id: z.string(), address: z.string() })),
    rejected: z.array(z.object({ line: z.number(), message: z.string() })),
  })
  .meta({ id: 'PropertyImportResult' });
export type PropertyImportResult = z.infer<typeof PropertyImportResult>;
