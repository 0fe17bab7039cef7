import { z } from 'zod';
import { ENTITY_KINDS } from '../entities';
import { PriorityEnum, PropertyTypeEnum, ReportStatusEnum, reportFilterShape } from './police';

export const EntityKindEnum = z.enum(ENTITY_KINDS);

/** An entity key (`phone:+447700900123`, `vehicle:AB12CDE`, `listing:airbnb:123`, `line:bravo`), URL-decoded. */
export const EntityKeyParams = z.strictObject({
  key: z
    .string()
    .min(3)
    .max(600)
    .regex(/^(phone|vehicle|listing|line):\S+$/, 'Not an entity key'),
});

/** Another report of the officer's force that shares an entity, and why. */
export const LinkedByEntity = z.object({
  id: z.string(),
  reference: z.string(),
  status: ReportStatusEnum,
  createdAt: z.string(),
  address: z.string().nullable(),
  /** Shown to a police_admin only (they see every force). */
  forceId: z.string().optional(),
  reasons: z.array(z.object({ key: z.string(), label: z.string(), why: z.string() })),
});

export const ReportEntities = z
  .object({
    entities: z.array(
      z.object({
        key: z.string(),
        kind: EntityKindEnum,
        label: z.string(),
        raw: z.string(),
        partial: z.boolean(),
        /** Other reports of your force mentioning it. */
        reports: z.number(),
        /** Also reported in another force area (no details). */
        otherForce: z.boolean(),
      }),
    ),
    /** A page of linked reports: most shared entities first, then most recently observed. */
    linked: z.array(LinkedByEntity),
    /** With more linked reports than one page (or a later page): how many there are in all. */
    linkedTotal: z.number().optional(),
    /** Cursor of the next page of linked reports (`?cursor=`), while more follow. */
    next: z.string().optional(),
  })
  .meta({ id: 'ReportEntities' });
export type ReportEntities = z.infer<typeof ReportEntities>;

/** A page of a long list: `limit` items from the position `cursor` (the previous page's `next`). */
export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(/^\d{1,9}$/, 'Not a cursor')
    .optional(),
});

export const EntitySearchQuery = z.strictObject({
  q: z.string().trim().min(2).max(600),
  limit: z.coerce.number().int().min(1).max(50).default(10),
  force: reportFilterShape.force,
});

export const EntityHit = z.object({
  key: z.string(),
  kind: EntityKindEnum,
  label: z.string(),
  reports: z.number(),
  lastSeen: z.string(),
  otherForce: z.boolean(),
  /** How it matched: `exact` (the query names it, however written) or `prefix`. */
  matchedBy: z.enum(['exact', 'prefix']),
});
export const EntitySearchResult = z.object({ items: z.array(EntityHit) }).meta({ id: 'EntitySearchResult' });
export type EntitySearchResult = z.infer<typeof EntitySearchResult>;
export type EntityHit = z.infer<typeof EntityHit>;

export const EntityReport = z.object({
  id: z.string(),
  reference: z.string(),
  createdAt: z.string(),
  observedFrom: z.string(),
  observedTo: z.string(),
  /** UK local time with offset, for reading: "2026-07-01T14:05:00+01:00". */
  observedFromUk: z.string(),
  lat: z.number(),
  lng: z.number(),
  address: z.string().nullable(),
  propertyType: PropertyTypeEnum,
  indicators: z.array(z.number()),
  status: ReportStatusEnum,
  priority: PriorityEnum,
  forceId: z.string().optional(),
  /** How this report wrote the entity. */
  raw: z.string(),
});

export const EntityDetail = z
  .object({
    key: z.string(),
    kind: EntityKindEnum,
    label: z.string(),
    /** A page of its reports, oldest observation first. */
    reports: z.array(EntityReport),
    /** Number of its reports you may see (the summary below counts them all). */
    total: z.number(),
    /** Cursor of the next page of reports (`?cursor=`), while more follow. */
    next: z.string().optional(),
    firstSeen: z.string(),
    lastSeen: z.string(),
    firstSeenUk: z.string(),
    lastSeenUk: z.string(),
    /** Indicator id → number of its reports ticking it. */
    indicators: z.array(z.object({ id: z.number(), count: z.number() })),
    /** Reports per UK calendar day (YYYY-MM-DD), oldest first. */
    timeline: z.array(z.object({ day: z.string(), count: z.number() })),
    properties: z.number(),
    otherForce: z.boolean(),
  })
  .meta({ id: 'EntityDetail' });
export type EntityDetail = z.infer<typeof EntityDetail>;
export type EntityReport = z.infer<typeof EntityReport>;

export const PackQuery = z.strictObject({ format: z.enum(['csv', 'html']).default('html') });

export const NetworkQuery = z.strictObject({
  ...reportFilterShape,
  limit: z.coerce.number().int().min(1).max(2000).default(500),
});
export type NetworkQuery = z.output<typeof NetworkQuery>;

export const EntityNetwork = z
  .object({
    reports: z.array(
      z.object({
        id: z.string(),
        reference: z.string(),
        status: ReportStatusEnum,
        priority: PriorityEnum,
        createdAt: z.string(),
      }),
    ),
    entities: z.array(
      z.object({
        key: z.string(),
        kind: EntityKindEnum,
        label: z.string(),
        reportIds: z.array(z.string()),
        otherForce: z.boolean(),
      }),
    ),
    /** More reports matched than `limit`: the newest were taken. */
    truncated: z.boolean(),
  })
  .meta({ id: 'EntityNetwork' });
export type EntityNetwork = z.infer<typeof EntityNetwork>;
