import type { AdvisoryView, AlertView, SubscriptionView } from '../../shared/schemas/alerts';
import type { Point } from '../geo/polygon';
import type { StoredDelivery } from './delivery.model';
import type { deliveryState } from './outbox';
import type { StoredSubscription } from './subscription.model';

/** The alerts feature's views: what the API sends for subscriptions, advisories and a user's alerts. */

export function presentSubscription(s: StoredSubscription): SubscriptionView {
  return {
    id: String(s._id),
    kind: s.kind,
    propertyId: s.propertyId ? String(s.propertyId) : null,
    radiusM: s.radiusM ?? null,
    polygon: s.polygon ? s.polygon.map(({ lat, lng }) => ({ lat, lng })) : null,
    center: s.center ? { lat: s.center.lat, lng: s.center.lng } : null,
    mode: s.mode,
    minPriority: s.minPriority ?? null,
    status: s.status,
    email: s.email,
    createdAt: new Date(s.createdAt).toISOString(),
    confirmedAt: s.confirmedAt ? new Date(s.confirmedAt).toISOString() : null,
  };
}

export function presentAdvisory(a: {
  _id: unknown;
  subject: string;
  body: string;
  polygon: Point[];
  recipients: number;
  createdAt: Date;
}): AdvisoryView {
  return {
    id: String(a._id),
    subject: a.subject,
    body: a.body,
    polygon: a.polygon.map(({ lat, lng }) => ({ lat, lng })),
    recipients: a.recipients,
    createdAt: new Date(a.createdAt).toISOString(),
  };
}

/** One alert a user was sent (or will get in a digest), with its delivery state and body text. */
export function presentAlert(d: StoredDelivery, state: Awaited<ReturnType<typeof deliveryState>>, text: string): AlertView {
  return {
    id: String(d._id),
    kind: d.kind,
    subject: d.subject,
    text,
    status: state.state,
    createdAt: new Date(d.createdAt).toISOString(),
    sentAt: state.state === 'sent' && state.at ? new Date(state.at).toISOString() : null,
  };
}
