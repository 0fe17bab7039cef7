import { z } from 'zod';
import { PROPERTY_TYPE_IDS } from '../taxonomy';

/**
 * Ownership verification of registered properties (issue 11 item 4). A property goes
 * unverified → pending → verified | refused; only verified owners ever hear about their specific property.
 * Evidence is a one-time code in a letter posted to the address, or an admin's check of documents.
 */

export const VERIFICATION_STATUSES = ['unverified', 'pending', 'verified', 'refused'] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];
export const VerificationStatusEnum = z.enum(VERIFICATION_STATUSES);

export const VERIFICATION_METHODS = ['letter', 'documents'] as const;
export type VerificationMethod = (typeof VERIFICATION_METHODS)[number];

export const VERIFICATION_LIMITS = {
  /** Wrong codes accepted per letter; after that the letter is void and a new one must be posted. */
  codeAttempts: 5,
  /** Days a letter's code stays valid (post takes time). */
  letterDays: 30,
  noteMax: 1000,
  /** Properties waiting in one force's queue at most. */
  queueMax: 5000,
  queuePageMax: 200,
} as const;

/** Letter codes: 10 characters without look-alikes (no 0/O, 1/I/L, U), printed as two groups of five. */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CODE_LENGTH = 10;

/** What the code looks like once spaces, hyphens and case are ignored. */
export function normaliseCode(raw: string): string {
  return raw.toUpperCase().replace(/[^0-9A-Z]/g, '');
}

/** The owner's view of a property's verification. */
export const PropertyVerificationView = z
  .object({
    status: VerificationStatusEnum,
    /** How it was verified (or refused): a posted letter's code, or an admin's check of documents. */
    method: z.enum(VERIFICATION_METHODS).nullable(),
    requestedAt: z.string().nullable(),
    decidedAt: z.string().nullable(),
    /** A letter posted to the address whose code can still be entered. */
    letter: z.object({ issuedAt: z.string(), expiresAt: z.string(), attemptsLeft: z.number().int() }).nullable(),
  })
  .meta({ id: 'PropertyVerification' });
export type PropertyVerificationView = z.infer<typeof PropertyVerificationView>;

export const VerificationRequestBody = z.strictObject({
  /** What the owner can show for an admin's check (e.g. a title number or council tax reference). */
  note: z.string().trim().max(VERIFICATION_LIMITS.noteMax).optional(),
});
export type VerificationRequestBody = z.infer<typeof VerificationRequestBody>;

export const VerificationCodeBody = z.strictObject({ code: z.string().trim().min(4).max(40) });

export const VerificationDecisionBody = z.strictObject({
  decision: z.enum(['verified', 'refused']),
  /** What was checked, or why it was refused: kept with the property for the audit. */
  note: z.string().trim().min(3).max(VERIFICATION_LIMITS.noteMax),
});
export type VerificationDecisionBody = z.infer<typeof VerificationDecisionBody>;

/** A letter to print and post: the code is shown once, here; only a hash of it is kept. */
export const VerificationLetter = z
  .object({
    propertyId: z.string(),
    address: z.string(),
    code: z.string(),
    expiresAt: z.string(),
    text: z.string(),
    html: z.string(),
  })
  .meta({ id: 'VerificationLetter' });
export type VerificationLetter = z.infer<typeof VerificationLetter>;

const Actor = z.object({ id: z.string(), name: z.string() }).nullable();

/** The admin's view of one property's verification: the property, its owner and the evidence recorded. */
export const VerificationCase = z
  .object({
    property: z.object({
      id: z.string(),
      address: z.string(),
      lat: z.number(),
      lng: z.number(),
      type: z.enum(PROPERTY_TYPE_IDS),
    }),
    owner: z.object({ id: z.string(), name: z.string(), email: z.string() }).nullable(),
    forceId: z.string().nullable(),
    status: VerificationStatusEnum,
    requestedAt: z.string().nullable(),
    ownerNote: z.string().nullable(),
    letters: z.object({
      issued: z.number().int(),
      lastIssuedAt: z.string().nullable(),
      lastIssuedBy: Actor,
      /** The outstanding letter's expiry and attempts left; null when none can be used. */
      outstanding: z.object({ expiresAt: z.string(), attemptsLeft: z.number().int() }).nullable(),
    }),
    method: z.enum(VERIFICATION_METHODS).nullable(),
    decidedAt: z.string().nullable(),
    decidedBy: Actor,
    note: z.string().nullable(),
  })
  .meta({ id: 'VerificationCase' });
export type VerificationCase = z.infer<typeof VerificationCase>;

export const VerificationQueueQuery = z.strictObject({
  force: z
    .string()
    .regex(/^[a-z0-9-]{2,40}$/)
    .optional(),
  limit: z.coerce.number().int().min(1).max(VERIFICATION_LIMITS.queuePageMax).default(50),
});
export const VerificationQueue = z
  .object({ items: z.array(VerificationCase), more: z.boolean() })
  .meta({ id: 'VerificationQueue' });
export type VerificationQueue = z.infer<typeof VerificationQueue>;

/** Who a release would tell: owners with a confirmed alert for the report's property, counted by verification. */
export const OwnerNoticePreview = z
  .object({
    property: z.object({ id: z.string(), address: z.string(), verification: VerificationStatusEnum }).nullable(),
    owners: z.object({
      verified: z.number().int(),
      pending: z.number().int(),
      unverified: z.number().int(),
      refused: z.number().int(),
    }),
  })
  .meta({ id: 'OwnerNoticePreview' });
export type OwnerNoticePreview = z.infer<typeof OwnerNoticePreview>;
