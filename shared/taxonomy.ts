/** Property types and the county-lines indicator checklist (PRODUCT.md). Shared by form and server. */

export const PROPERTY_TYPES = [
  { id: 'H', label: 'Hotel, B&B or serviced apartment' },
  { id: 'S', label: 'Short-let, holiday let or second home' },
  { id: 'R', label: 'Residential home (possible cuckooing)' },
  { id: 'U', label: 'Supported or unregulated accommodation for young people' },
] as const;

export type PropertyType = (typeof PROPERTY_TYPES)[number]['id'];
export const PROPERTY_TYPE_IDS = PROPERTY_TYPES.map((t) => t.id) as [PropertyType, ...PropertyType[]];

export interface Indicator {
  /** Stable numeric id, 1..18; also the bit position (id - 1) in the map index. */
  id: number;
  label: string;
  appliesTo: readonly PropertyType[];
  /** ★: goes to the top of the triage queue and to instant police alerts. */
  safeguarding: boolean;
  /** Show "Call 999 now" before the form continues. */
  call999: boolean;
}

const ALL: readonly PropertyType[] = ['H', 'S', 'R', 'U'];

export const INDICATORS: readonly Indicator[] = [
  {
    id: 1,
    label: 'Many short visits or callers at all hours',
    appliesTo: ALL,
    safeguarding: false,
    call999: false,
  },
  {
    id: 2,
    label: 'Guests leave right after a text or call; young people meet them outside',
    appliesTo: ['H', 'S', 'U'],
    safeguarding: false,
    call999: false,
  },
  {
    id: 3,
    label:
      'A child or young person with an older adult who does not seem related, or who seems scared, controlled or will not speak',
    appliesTo: ALL,
    safeguarding: true,
    call999: false,
  },
  {
    id: 4,
    label: 'A young person far from home, about during school hours or late at night, new to the area',
    appliesTo: ALL,
    safeguarding: true,
    call999: false,
  },
  {
    id: 5,
    label: 'Injuries or signs of assault on a young or vulnerable person',
    appliesTo: ALL,
    safeguarding: true,
    call999: true,
  },
  {
    id: 6,
    label: 'Weapons seen or found (knives, corrosives, firearms)',
    appliesTo: ALL,
    safeguarding: true,
    call999: true,
  },
  {
    id: 7,
    label: 'Drug packaging or kit: cling film, cut bag corners, scales, residue',
    appliesTo: ALL,
    safeguarding: false,
    call999: false,
  },
  {
    id: 8,
    label: 'Several phones or SIM cards, or large amounts of cash',
    appliesTo: ['H', 'S', 'U'],
    safeguarding: false,
    call999: false,
  },
  {
    id: 9,
    label: 'Payment or ID problems: cash, name does not match payment, no ID, walk-in, extended day by day',
    appliesTo: ['H', 'S'],
    safeguarding: false,
    call999: false,
  },
  {
    id: 10,
    label: 'Little or no luggage, prestige hire car, no knowledge of the area',
    appliesTo: ['H', 'S'],
    safeguarding: false,
    call999: false,
  },
  {
    id: 11,
    label: 'Refuses cleaning or inspections, Do Not Disturb always on, curtains always shut',
    appliesTo: ALL,
    safeguarding: false,
    call999: false,
  },
  {
    id: 12,
    label: 'Asks for an isolated room or one near an exit',
    appliesTo: ['H'],
    safeguarding: false,
    call999: false,
  },
  {
    id: 13,
    label: 'More occupants than booked, adults bringing young people in',
    appliesTo: ['H', 'S', 'U'],
    safeguarding: false,
    call999: false,
  },
  {
    id: 14,
    label: 'Signs of sexual exploitation or a pop-up brothel',
    appliesTo: ALL,
    safeguarding: true,
    call999: false,
  },
  {
    id: 15,
    label: 'Resident rarely seen or seems anxious or withdrawn; strangers acting as if they live there',
    appliesTo: ['R', 'U'],
    safeguarding: true,
    call999: false,
  },
  {
    id: 16,
    label: 'Damaged or propped door, blocked windows, unknown people pressing buzzers',
    appliesTo: ['R', 'U'],
    safeguarding: false,
    call999: false,
  },
  {
    id: 17,
    label: 'Cars or bikes pulling up briefly and often',
    appliesTo: ALL,
    safeguarding: false,
    call999: false,
  },
  {
    id: 18,
    label: 'Smells, litter, noise or anti-social behaviour',
    appliesTo: ALL,
    safeguarding: false,
    call999: false,
  },
];

export const INDICATOR_IDS = INDICATORS.map((i) => i.id);
const BY_ID = new Map(INDICATORS.map((i) => [i.id, i]));

export function indicatorById(id: number): Indicator | undefined {
  return BY_ID.get(id);
}

export function indicatorsFor(type: PropertyType): Indicator[] {
  return INDICATORS.filter((i) => i.appliesTo.includes(type));
}

export type Priority = 'safeguarding' | 'standard';

/** Safeguarding first: any ★ indicator makes the whole report a safeguarding report. */
export function priorityOf(indicatorIds: readonly number[]): Priority {
  return indicatorIds.some((id) => BY_ID.get(id)?.safeguarding) ? 'safeguarding' : 'standard';
}

export function needsCall999(indicatorIds: readonly number[]): boolean {
  return indicatorIds.some((id) => BY_ID.get(id)?.call999);
}

export const REPORTER_ROLES = [
  { id: 'host', label: 'Host or property manager' },
  { id: 'staff', label: 'Hotel or front-desk staff' },
  { id: 'cleaner', label: 'Cleaner or maintenance' },
  { id: 'neighbour', label: 'Neighbour' },
  { id: 'resident', label: 'Resident' },
  { id: 'other', label: 'Other' },
] as const;
export type ReporterRole = (typeof REPORTER_ROLES)[number]['id'];
export const REPORTER_ROLE_IDS = REPORTER_ROLES.map((r) => r.id) as [ReporterRole, ...ReporterRole[]];

export const REPORT_STATUSES = ['new', 'triaged', 'under_investigation', 'actioned', 'closed', 'rejected'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

export const SIGNPOSTS = [
  {
    label: 'In danger now, or a crime is happening',
    action: 'Call 999',
    href: 'tel:999',
  },
  { label: 'Non-urgent police', action: 'Call 101', href: 'tel:101' },
  {
    label: 'Crimestoppers, 100% anonymous',
    action: 'Call 0800 555 111',
    href: 'tel:0800555111',
  },
  {
    label: 'Young person drawn into supply? Fearless (Crimestoppers youth service) and Childline',
    action: 'Childline 0800 1111',
    href: 'tel:08001111',
  },
] as const;
