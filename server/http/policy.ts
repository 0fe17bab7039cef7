import type { Role } from '../../shared/schemas/auth';

/**
 * Who may do what to which object — the one place authorization is decided.
 *
 * Every route names one action of this table (`access: can('report.read')`), which gives the roles that may call it
 * (anyone else gets 401 when signed out, 403 when signed in). The action's object rule then says which objects of that
 * kind the caller may touch; services check it with `canOnObject` (or `ownedBy` / `visibleForces`), and an object the
 * caller may not touch answers 404, exactly like one that does not exist, so its existence is not revealed either.
 * tests/server/authorization.test.ts builds its role × route × object matrix from this table.
 *
 * Object rules:
 * - `none`       the role is enough: any object of the kind (administration, public information, a new report);
 * - `sameForce`  police see and change only objects of their own force (a report's force, the force whose area holds a
 *                property); an officer without a force sees nothing; a police_admin sees every force;
 * - `own`        only the caller's own objects (the object's ownerId / userId is the caller; a list is the caller's list);
 * - `secret`     no account: whoever holds the object's secret (a report's reference + passphrase, a signed email link,
 *                an account's password) — the service checks the secret, and no role grants more.
 */
export type ObjectRule = 'none' | 'sameForce' | 'own' | 'secret';

/** `anyone` (no sign-in), `signed-in` (any role), or the roles listed. */
export type Who = 'anyone' | 'signed-in' | readonly Role[];

export interface Rule {
  who: Who;
  /** What the action is done to (the thing a `:id` in its routes names). */
  object: string;
  rule: ObjectRule;
}

const POLICE = ['police', 'police_admin'] as const;
const ADMIN = ['police_admin'] as const;
const OWNERS = ['owner', 'host'] as const;

export const POLICY = {
  // ---- anyone
  'service.read': {
    who: 'anyone',
    object: 'public information (health, settings, taxonomy, force list, API document)',
    rule: 'none',
  },
  'account.register': { who: 'anyone', object: 'a new owner or host account', rule: 'none' },
  'account.signIn': { who: 'anyone', object: 'an account (its password)', rule: 'secret' },
  'account.reset': { who: 'anyone', object: 'an account (a one-time password-reset link an admin made)', rule: 'secret' },
  'report.file': { who: 'anyone', object: 'a new report (filed under a signed-in owner or host)', rule: 'none' },
  'report.followUp': { who: 'anyone', object: 'a report (its reference + passphrase)', rule: 'secret' },
  'alert.link': { who: 'anyone', object: 'a subscription (the signed confirm / unsubscribe link)', rule: 'secret' },

  // ---- any signed-in user
  'session.own': { who: 'signed-in', object: 'your session', rule: 'own' },
  'alert.own': { who: 'signed-in', object: 'your subscriptions and the alerts you were sent', rule: 'own' },

  // ---- owners and hosts (police subscribe to areas of their force)
  'alert.subscribe': {
    who: ['owner', 'host', 'police'],
    object: 'a new subscription (your property, an area; police: inside your force)',
    rule: 'own',
  },
  'report.mine': { who: OWNERS, object: 'the reports you filed signed in', rule: 'own' },
  'property.manage': { who: OWNERS, object: 'your properties', rule: 'own' },
  'property.verify': { who: OWNERS, object: 'your property (ask for verification, enter the letter code)', rule: 'own' },
  'account.delete': { who: OWNERS, object: 'your account with all its data', rule: 'own' },

  // ---- police
  'report.read': { who: POLICE, object: 'a report (queue, detail, owner-notice preview)', rule: 'sameForce' },
  'report.change': { who: POLICE, object: 'a report (status, assignment, notes, links, release)', rule: 'sameForce' },
  'report.export': { who: POLICE, object: 'reports, as CSV or GeoJSON', rule: 'sameForce' },
  'entity.read': {
    who: POLICE,
    object: "a report's linked entities, an entity's reports (own force; other forces only as a yes/no)",
    rule: 'sameForce',
  },
  'entity.export': { who: POLICE, object: "an entity's evidence pack (own force's reports)", rule: 'sameForce' },
  'map.view': { who: POLICE, object: 'reports, as map layers and analyses', rule: 'sameForce' },
  'verification.letter': { who: POLICE, object: 'a property (by the force whose area holds it)', rule: 'sameForce' },
  'advisory.send': {
    who: ['police'],
    object: 'an advisory to owners in your force (a police_admin has no force)',
    rule: 'sameForce',
  },

  // ---- police_admin
  'audit.read': { who: ADMIN, object: 'the audit log', rule: 'none' },
  'verification.decide': { who: ADMIN, object: 'a property (documents checked; the pending queue)', rule: 'none' },
  'user.admin': { who: ADMIN, object: 'a staff account', rule: 'none' },
  'force.admin': { who: ADMIN, object: 'a force and its area', rule: 'none' },
  'system.status': { who: ADMIN, object: 'the running system (database, outbox, map index, snapshot)', rule: 'none' },
} as const satisfies Record<string, Rule>;

export type Action = keyof typeof POLICY;

/** The caller as the rules see it (an `AuthUser` is one). */
export interface Subject {
  id: string;
  role: Role;
  forceId: string | null;
}

/** The fields of an object the rules look at: its force, its owner (a property's ownerId, a subscription's userId). */
export interface PolicyObject {
  forceId?: string | null;
  ownerId?: unknown;
  userId?: unknown;
}

/** May a caller with this role (null: signed out) do this action at all? */
export function allowed(role: Role | null, action: Action): boolean {
  const who: Who = POLICY[action].who;
  if (who === 'anyone') return true;
  if (role === null) return false;
  return who === 'signed-in' || who.includes(role);
}

/** The `own` rule alone, for services that know only the caller's id: the object's owner is the caller. */
export function ownedBy(callerId: string, object: PolicyObject): boolean {
  const owner = object.ownerId ?? object.userId;
  return owner !== undefined && owner !== null && String(owner) === callerId;
}

/** The `sameForce` rule alone: a police_admin sees every force, an officer only their own (none without one). */
export function seesForce(subject: Pick<Subject, 'role' | 'forceId'>, forceId: string | null | undefined): boolean {
  if (subject.role === 'police_admin') return true;
  return subject.role === 'police' && !!subject.forceId && subject.forceId === forceId;
}

const OBJECT_RULES: Record<ObjectRule, (s: Subject, o: PolicyObject) => boolean> = {
  none: () => true,
  sameForce: (s, o) => seesForce(s, o.forceId),
  own: (s, o) => ownedBy(s.id, o),
  // The secret is the authority and the service checks it; being signed in adds nothing.
  secret: () => false,
};

/** May this caller do this action to this object? Both the role and the action's object rule must allow it. */
export function canOnObject(subject: Subject, action: Action, object: PolicyObject): boolean {
  return allowed(subject.role, action) && OBJECT_RULES[POLICY[action].rule](subject, object);
}

/**
 * The forces a `sameForce` list (queue, export, map) may show: an officer only their own force (none without one,
 * whatever they ask for); a police_admin every force (null), or the one asked for with `force=`.
 */
export function visibleForces(subject: Pick<Subject, 'role' | 'forceId'>, requested?: string): string[] | null {
  if (subject.role === 'police_admin') return requested ? [requested] : null;
  if (subject.role === 'police' && subject.forceId) return [subject.forceId];
  return [];
}

/** A route's access, taken from the table: `route({ ..., access: can('report.read') })`. */
export interface Permit {
  readonly action: Action;
  readonly who: Who;
}

export function can(action: Action): Permit {
  return { action, who: POLICY[action].who };
}
