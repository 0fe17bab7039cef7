import { z } from 'zod';
import { normalisePassphrase, normaliseReference } from '../follow-up-keys';
import { LIMITS } from '../limits';
import { indicatorById, PROPERTY_TYPE_IDS, REPORTER_ROLE_IDS } from '../taxonomy';
import { Email, LatLng } from './common';

/** How far in the future an observed time may be, to allow for a phone's clock being a little fast. */
export const CLOCK_SKEW_MS = 10 * 60_000;

/** `SW-7K3P-9QXD`: unambiguous characters only (no 0/O, 1/I/L, U). */
export const REFERENCE_REGEX = /^SW-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$/;

const IsoDateTime = z.iso.datetime({ offset: true, message: 'Give a date and time' });
const Text = (max: number) => z.string().trim().max(max, `Use at most ${max} characters`);

export const ReportContact = z
  .strictObject({
    name: Text(LIMITS.nameMax).optional(),
    phone: z
      .string()
      .trim()
      .max(40)
      .regex(/^[0-9+() -]*$/, 'Use digits, spaces and + ( ) - only')
      .optional(),
    email: Email.optional(),
  })
  .meta({ id: 'ReportContact' });

export const ReportCreate = z
  .strictObject({
    location: LatLng,
    address: Text(LIMITS.addressMax).optional(),
    propertyType: z.enum(PROPERTY_TYPE_IDS, 'Choose the kind of property'),
    listingUrl: z
      .url({ protocol: /^https?$/, message: 'Give a web address starting with https://' })
      .max(LIMITS.listingUrlMax)
      .optional(),
    indicators: z
      .array(
        z
          .number()
          .int()
          .refine((id) => indicatorById(id) !== undefined, 'Unknown indicator'),
      )
      .min(1, 'Tick at least one thing you noticed')
      .max(18),
    description: Text(LIMITS.descriptionMax).default(''),
    observedFrom: IsoDateTime,
    observedTo: IsoDateTime,
    reporterRole: z.enum(REPORTER_ROLE_IDS, 'Choose who you are'),
    contact: ReportContact.optional(),
    /** Phone numbers seen or heard (a deal line texted to guests, written on a card). */
    phones: z.array(z.string().trim().min(1).max(40)).max(10).optional(),
    /** Vehicle registrations, partial allowed. */
    vehicles: z.array(z.string().trim().min(1).max(12)).max(10).optional(),
    /** Line names or nicknames ("the Bravo line"). */
    lineNames: z.array(z.string().trim().min(1).max(60)).max(10).optional(),
  })
  .superRefine((r, ctx) => {
    const seen = new Set<number>();
    r.indicators.forEach((id, i) => {
      if (seen.has(id)) ctx.addIssue({ code: 'custom', path: ['indicators', i], message: 'Indicator listed twice' });
      seen.add(id);
      const ind = indicatorById(id);
      if (ind && !ind.appliesTo.includes(r.propertyType)) {
        ctx.addIssue({
          code: 'custom',
          path: ['indicators', i],
          message: 'This indicator does not apply to that kind of property',
        });
      }
    });
    const from = Date.parse(r.observedFrom);
    const to = Date.parse(r.observedTo);
    const latest = Date.now() + CLOCK_SKEW_MS;
    if (from > latest) ctx.addIssue({ code: 'custom', path: ['observedFrom'], message: 'This time is in the future' });
    if (to > latest) ctx.addIssue({ code: 'custom', path: ['observedTo'], message: 'This time is in the future' });
    if (to < from) ctx.addIssue({ code: 'custom', path: ['observedTo'], message: 'The end must be after the start' });
  })
  .meta({ id: 'ReportCreate' });
export type ReportCreate = z.infer<typeof ReportCreate>;

export const ReportCreated = z
  .object({
    reference: z.string(),
    passphrase: z.string(),
    priority: z.enum(['safeguarding', 'standard']),
    call999: z.boolean(),
  })
  .meta({ id: 'ReportCreated' });
export type ReportCreated = z.infer<typeof ReportCreated>;

/** Typed any way (case, spaces for hyphens, see follow-up-keys.ts), checked in its normal form. */
const Reference = z
  .string()
  .max(60)
  .transform(normaliseReference)
  .pipe(z.string().regex(REFERENCE_REGEX, 'A reference looks like SW-7K3P-9QXD'));
const Passphrase = z.string().max(200).transform(normalisePassphrase).pipe(z.string().min(1, 'Enter your passphrase'));

export const FollowUpBody = z.strictObject({ reference: Reference, passphrase: Passphrase }).meta({ id: 'FollowUpBody' });
export type FollowUpBody = z.infer<typeof FollowUpBody>;

const AddendumText = z.string().trim().min(1, 'Write what you want to add').max(LIMITS.addendumMax);
/** The number of the police question (0-based, as listed in the report's `questions`) a reply answers. */
const AnswersQuestion = z.number().int().min(0).max(999).optional();

export const AddendumBody = z
  .strictObject({
    reference: Reference,
    passphrase: Passphrase,
    text: AddendumText,
    answers: AnswersQuestion,
  })
  .meta({ id: 'AddendumBody' });
export type AddendumBody = z.infer<typeof AddendumBody>;

/** A signed-in host or owner adding to a report they filed (My reports): no passphrase needed. */
export const MyAddendumBody = z.strictObject({ text: AddendumText, answers: AnswersQuestion }).meta({ id: 'MyAddendumBody' });
export type MyAddendumBody = z.infer<typeof MyAddendumBody>;

/** What a reporter may see of their own report: never notes, contact, assignment or links. */
export const PUBLIC_STATUSES = ['received', 'reviewed', 'in_progress', 'actioned', 'closed'] as const;
export const ReportPublicView = z
  .object({
    reference: z.string(),
    status: z.enum(PUBLIC_STATUSES),
    statusText: z.string(),
    /** Date only (YYYY-MM-DD). */
    createdOn: z.string(),
    questions: z.array(z.object({ text: z.string(), on: z.string() })),
    /** `answers`: the index in `questions` of the question this replies to, or null. */
    addenda: z.array(z.object({ text: z.string(), on: z.string(), answers: z.number().nullable() })),
  })
  .meta({ id: 'ReportPublicView' });
export type ReportPublicView = z.infer<typeof ReportPublicView>;

export const TaxonomyView = z
  .object({
    propertyTypes: z.array(z.object({ id: z.string(), label: z.string() })),
    indicators: z.array(
      z.object({
        id: z.number(),
        label: z.string(),
        appliesTo: z.array(z.string()),
        safeguarding: z.boolean(),
        call999: z.boolean(),
      }),
    ),
    reporterRoles: z.array(z.object({ id: z.string(), label: z.string() })),
    signposts: z.array(z.object({ label: z.string(), action: z.string(), href: z.string() })),
  })
  .meta({ id: 'Taxonomy' });
