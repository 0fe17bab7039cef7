import { z } from 'zod';
import { LIMITS } from '../limits';
import { ObjectId } from './common';
import { ForceAreaUpload } from './forces';

/**
 * The admin console's payloads (people, password resets, force-area previews, audit filters, system status).
 * The client's forms and the routes use these same schemas.
 */

/** Hours a password-reset link works; it works once. */
export const RESET_LINK_HOURS = 24;

const ForceId = z.string().regex(/^[a-z0-9-]{2,40}$/);

/** A change of a staff account by an admin: any of disable/enable, role, force (at least one). */
export const UpdateStaffBody = z
  .strictObject({
    disabled: z.boolean().optional(),
    role: z.enum(['police', 'police_admin']).optional(),
    forceId: ForceId.nullable().optional(),
  })
  .refine((b) => b.disabled !== undefined || b.role !== undefined || b.forceId !== undefined, {
    message: 'Say what to change: disabled, role or forceId',
  });
export type UpdateStaffBody = z.infer<typeof UpdateStaffBody>;

/** The one-time link the admin passes on in person (it is also emailed to the user). Never a password. */
export const PasswordResetLink = z
  .object({ url: z.string(), expiresAt: z.string(), emailedTo: z.string() })
  .meta({ id: 'PasswordResetLink' });
export type PasswordResetLink = z.infer<typeof PasswordResetLink>;

export const PasswordResetBody = z.strictObject({
  token: z.string().trim().min(20).max(200),
  password: z.string().min(LIMITS.passwordMin, `Use at least ${LIMITS.passwordMin} characters`).max(LIMITS.passwordMax),
});
export type PasswordResetBody = z.infer<typeof PasswordResetBody>;

/** A force area as the map draws it: rings of [lat, lng]. */
const Ring = z.array(z.tuple([z.number(), z.number()]));
export const AreaShape = z.object({
  polygons: z.array(z.object({ outer: Ring, holes: z.array(Ring) })),
  polygonCount: z.number().int(),
  vertexCount: z.number().int(),
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
});
export type AreaShape = z.infer<typeof AreaShape>;

/** What replacing a force's area would do: the area now and the uploaded one, both validated by the server. */
export const ForceAreaPreview = z
  .object({ forceId: z.string(), name: z.string(), current: AreaShape, proposed: AreaShape })
  .meta({ id: 'ForceAreaPreview' });
export type ForceAreaPreview = z.infer<typeof ForceAreaPreview>;

/** Replacing an area needs the admin's confirmation, given after the preview. */
export const ForceAreaReplaceBody = z.strictObject({ area: ForceAreaUpload, confirm: z.literal(true) });
export type ForceAreaReplaceBody = z.infer<typeof ForceAreaReplaceBody>;

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Use YYYY-MM-DD');

/**
 * Audit filters: a person (their log), a report (its log), an action (prefix: `report.` matches every report
 * action) and a time range of whole UTC days (the day logs). Every filter is applied to the pages read.
 */
export const AuditFilterShape = {
  reportId: ObjectId.optional(),
  userId: ObjectId.optional(),
  action: z
    .string()
    .trim()
    .regex(/^[a-z_.]{1,60}$/, 'Letters, dots and underscores')
    .optional(),
  from: Day.optional(),
  to: Day.optional(),
};
export const AuditExportQuery = z.strictObject(AuditFilterShape);
export type AuditExportQuery = z.output<typeof AuditExportQuery>;

/** The audit actions the console offers to filter by (any prefix of an action works). */
export const AUDIT_ACTIONS = [
  'report.read',
  'report.status',
  'report.assign',
  'report.note',
  'report.question',
  'report.link',
  'report.unlink',
  'report.release',
  'reports.export',
  'property.verify',
  'user.create',
  'user.update',
  'user.password_reset',
  'force.area',
  'audit.export',
] as const;

export const SystemStatus = z
  .object({
    db: z.object({
      /** How the app reached its database: MONGODB_URI, a local mongod, or FerretDB on SQLite. */
      source: z.enum(['uri', 'mongod', 'ferretdb', 'unknown']),
      engine: z.enum(['mongodb', 'ferretdb']).nullable(),
      version: z.string().nullable(),
      reachable: z.boolean(),
    }),
    outbox: z.object({
      /** Work items waiting to be sent (each holds one or more emails), from the last background count. */
      waiting: z.number().int().nullable(),
      overdue: z.number().int().nullable(),
      oldestDueAt: z.string().nullable(),
      sampledAt: z.string().nullable(),
      failed: z.number().int(),
      recentFailures: z.array(z.object({ at: z.string(), kind: z.string(), attempt: z.number().int(), error: z.string() })),
    }),
    mapIndex: z.object({
      ready: z.boolean(),
      reports: z.number().int(),
      /** Milliseconds since the last change-log poll whose changes are all in the index. */
      lagMs: z.number().int().nullable(),
      unsnapshottedChanges: z.number().int(),
    }),
    snapshot: z
      .object({ at: z.string(), reports: z.number().int(), bytes: z.number().int(), ageMs: z.number().int() })
      .nullable(),
    uptimeSeconds: z.number().int(),
  })
  .meta({ id: 'SystemStatus' });
export type SystemStatus = z.infer<typeof SystemStatus>;
