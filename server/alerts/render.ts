import { indicatorById, PROPERTY_TYPES } from '../../shared/taxonomy';
import { geohashCell } from '../geo/geohash';
import { compose, type Email, escapeHtml, headerSafe, type Part, withUnsubscribeFooter } from '../mail/compose';

/** Email bodies: plain text and HTML built from the same parts (server/mail/compose.ts). Everything user-given is escaped. */
export type { Email };
export { escapeHtml, headerSafe };

const OWNER_GUIDANCE = [
  'Many short visits or callers at all hours, or cars and bikes pulling up briefly and often',
  'Guests with little luggage who pay in cash, extend day by day, or whose name does not match the booking',
  'Refused cleaning or inspections, curtains always shut, Do Not Disturb always on',
  'More occupants than booked, especially young people brought in by adults',
  'Drug packaging, several phones or SIM cards, or large amounts of cash left behind',
];
const SAFETY =
  'Do not confront guests or anyone you suspect. If someone is in danger now, call 999. To pass on information, use StayWatch, call 101, or call Crimestoppers anonymously on 0800 555 111.';

export function confirmEmail(input: { url: string; what: string; audience: 'owner' | 'police' }): Email {
  return compose('Confirm your StayWatch alert', [
    { p: `Please confirm that you want StayWatch alerts for ${input.what}.` },
    { link: { href: input.url, label: 'Confirm this alert' } },
    {
      p: 'Nothing will be sent until you confirm. If you did not ask for this, ignore this email: the link expires in 7 days.',
    },
  ]);
}

/** A coarse location: the centre of a geohash-6 cell (about 0.6 km by 0.8 km in Britain), never the report's point. */
export function coarseArea(g6: string): { lat: number; lng: number; label: string; mapUrl: string } {
  const c = geohashCell(g6);
  const lat = Number(c.lat.toFixed(3));
  const lng = Number(c.lng.toFixed(3));
  const km = Math.max(c.heightM, c.widthM) / 1000;
  return {
    lat,
    lng,
    label: `the grid square of about ${km.toFixed(1)} km around ${lat.toFixed(3)}, ${lng.toFixed(3)}`,
    mapUrl: `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lng}#map=15/${lat}/${lng}`,
  };
}

/**
 * Owner area notice: the grid square and counts, guidance; never the text, reporter, exact time or point. Sent once
 * `minReports` reports share the square (one notice per that many), after a random delay when `delayed`.
 */
export function ownerAreaEmail(input: {
  g6: string;
  recentCount: number;
  days: number;
  areaName: string;
  minReports: number;
  delayed: boolean;
}): Email {
  const area = coarseArea(input.g6);
  const several = input.minReports > 1;
  const how = [
    several ? `we write only once at least ${input.minReports} concerns share a grid square` : '',
    input.delayed ? `we wait a while after ${several ? 'the latest one' : 'a report'}` : '',
  ].filter(Boolean);
  return compose(`StayWatch: ${several ? 'concerns were' : 'a concern was'} reported near ${input.areaName}`, [
    {
      p: `${several ? 'Concerns' : 'A concern'} about possible county-lines activity ${several ? 'have' : 'has'} been reported to police in ${area.label}, a grid square that touches your alert area for ${input.areaName}.`,
    },
    {
      p: `Concerns reported in this grid square in the last ${input.days} days: ${input.recentCount}.`,
    },
    {
      p: `To protect the people who report, we never say exactly where or when a concern was reported${how.length ? `: ${how.join(', and ')}` : ''}.`,
    },
    { link: { href: area.mapUrl, label: 'See the grid square on a map' } },
    { h: 'What to look for' },
    { list: OWNER_GUIDANCE },
    { p: SAFETY },
  ]);
}

/** Property-specific notice, only after police release it. Indicator categories, no text, reporter or times. */
export function ownerReleasedEmail(input: { address: string; indicators: number[]; propertyType: string }): Email {
  const labels = input.indicators.map((id) => indicatorById(id)?.label).filter((l): l is string => Boolean(l));
  return compose(`StayWatch: police have shared a concern about ${input.address}`, [
    {
      p: `Police have reviewed a concern reported about your property at ${input.address} and decided to let you know.`,
    },
    { h: 'What was noticed' },
    { list: labels.length ? labels : ['Signs of possible county-lines activity'] },
    { h: 'What you can do' },
    {
      list: [
        'Check recent bookings for the signs above and keep records as you normally would.',
        'Tell police anything you know by reporting through StayWatch or calling 101.',
        'Do not confront guests or try to investigate yourself.',
      ],
    },
    { p: SAFETY },
  ]);
}

export function policeReportEmail(input: {
  reportId: string;
  reference: string;
  priority: 'safeguarding' | 'standard';
  propertyType: string;
  indicators: number[];
  g7: string;
  link: string;
}): Email {
  const type = PROPERTY_TYPES.find((t) => t.id === input.propertyType)?.label ?? input.propertyType;
  const labels = input.indicators.map((id) => {
    const i = indicatorById(id);
    return i ? `${i.safeguarding ? '★ ' : ''}${i.label}` : `Indicator ${id}`;
  });
  const tag = input.priority === 'safeguarding' ? 'SAFEGUARDING' : 'New report';
  return compose(`[StayWatch] ${tag}: ${input.reference} in your alert area`, [
    { p: `${tag}: report ${input.reference} (${type}) was filed inside one of your alert areas.` },
    { h: 'Indicators' },
    { list: labels },
    { link: { href: input.link, label: 'Open the report in StayWatch' } },
    { p: 'Details, the location and any contact are only in StayWatch (sign-in required).' },
  ]);
}

export function hotspotEmail(input: { count: number; radiusM: number; days: number; g6: string; link: string }): Email {
  const area = coarseArea(input.g6);
  return compose(`[StayWatch] Emerging hotspot: ${input.count} reports within ${input.radiusM} m`, [
    {
      p: `${input.count} reports within ${input.radiusM} m of each other in the last ${input.days} days, around ${area.lat}, ${area.lng}. This area has crossed the emerging-hotspot threshold.`,
    },
    { link: { href: input.link, label: 'Open the map in StayWatch' } },
  ]);
}

export function advisoryEmail(input: { subject: string; body: string; forceName: string }): Email {
  return compose(`Police advisory: ${input.subject}`, [
    { p: `A message from ${input.forceName} to property owners in your area:` },
    { p: input.body },
    { p: SAFETY },
  ]);
}

export function digestEmail(items: Array<{ subject: string; text: string }>, cap: number): Email {
  const shown = items.slice(0, cap);
  const more = items.length - shown.length;
  const parts: Part[] = [{ p: `Your StayWatch daily digest: ${items.length} alert${items.length === 1 ? '' : 's'}.` }];
  shown.forEach((item, i) => {
    parts.push({ h: `${i + 1}. ${item.subject}` });
    parts.push({ p: item.text });
  });
  if (more > 0) parts.push({ p: `… and ${more} more. Sign in to StayWatch to see every alert.` });
  return compose(`StayWatch daily digest: ${items.length} alert${items.length === 1 ? '' : 's'}`, parts);
}

/** A per-recipient value in a body shared by many recipients; `fillBody` puts the value in at send time. */
export const placeholder = (name: string) => `{{${name}}}`;

/** The body with its placeholders filled: as given in the text, escaped in the HTML. */
export function fillBody(
  body: { text: string; html: string },
  fill: Record<string, string> | null | undefined,
): { text: string; html: string } {
  if (!fill) return body;
  let { text, html } = body;
  for (const [name, value] of Object.entries(fill)) {
    text = text.split(placeholder(name)).join(value);
    html = html.split(placeholder(name)).join(escapeHtml(value));
  }
  return { text, html };
}

/** The subject with its placeholders filled, header-safe. */
export function fillSubject(subject: string, fill: Record<string, string> | null | undefined): string {
  if (!fill) return subject;
  let out = subject;
  for (const [name, value] of Object.entries(fill)) out = out.split(placeholder(name)).join(headerSafe(value, 100));
  return headerSafe(out, 200);
}

/** Appended at send time with the subscription's current unsubscribe link. */
export function withFooter(email: { text: string; html: string }, unsubscribeUrl: string | null): { text: string; html: string } {
  return unsubscribeUrl ? withUnsubscribeFooter(email, unsubscribeUrl) : email;
}
