import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReports } from '../../server/demo/generate';
import { insertReports } from '../../server/demo/insert';
import { reportIdFor } from '../../server/reports/report-id';
import { ARTIFACTS, DESKTOP, openPage, seriousA11yViolations, signInVia, watchCsp } from '../support/browser';
import { type E2e, startE2e } from '../support/e2e';
import { createUser } from '../support/factories';
import { startTestMail, type TestMail } from '../support/mail-worker';

/**
 * The officer's daily actions of issue 13, walked in a real browser by an officer, a colleague, an admin and a
 * reporter, with axe and a CSP check on every page and screenshots (test-artifacts/, the best in docs/screenshots/).
 *
 * Where each officer item of #13 is asserted:
 * - open from the queue, an email link and the map; fly + ring on top; list follows map and map follows list;
 *   force boundaries; layer switch above the filters; confirmations next to the action; force by name; 0 CSP
 *   errors; admin force filter and force column; chart text; repeat-location "Show": tests/e2e/police-map.test.ts.
 * - here: the search box by reference (spaces, case), address and linked entity, each opening and flying to the
 *   report; priority with a reason (and its confirmation beside it); assignment to another officer of the force
 *   (by an officer and by an admin); a reporter's reply → unread in the queue and an email to the assigned officer,
 *   whose link opens the report on the map, the reply shown under the question it answers; a staff area alert on at
 *   once without an email round trip.
 * - keyboard areas for alerts: the KeyboardArea work (another change) brings its own test.
 */

const SHOTS = path.resolve('docs/screenshots');
const MARKERS = '[data-testid="map-cluster"], [data-testid="map-report"]';

let e2e: E2e;
let mail: TestMail;
let officer: Awaited<ReturnType<typeof createUser>>;
let colleague: Awaited<ReturnType<typeof createUser>>;
let admin: Awaited<ReturnType<typeof createUser>>;
let flat: Filed;
let entityReport: Filed;

interface Filed {
  id: string;
  reference: string;
  passphrase: string;
}

/** A report filed the way a member of the public files one (so the entity index and map index see it too). */
async function fileReport(address: string, at: { lat: number; lng: number }, description: string): Promise<Filed> {
  const res = await e2e.app.client().post('/api/reports', {
    location: at,
    address,
    propertyType: 'S',
    indicators: [1, 2],
    description,
    observedFrom: new Date(Date.now() - 6 * 3_600_000).toISOString(),
    observedTo: new Date(Date.now() - 4 * 3_600_000).toISOString(),
    reporterRole: 'neighbour',
    contact: { name: 'Robin Reporter', email: 'robin.reporter@example.test' },
  });
  expect(res.status).toBe(201);
  // A report's id is derived from its reference (server/reports/report-id.ts).
  return { id: reportIdFor(res.body.reference).toHexString(), reference: res.body.reference, passphrase: res.body.passphrase };
}

beforeAll(async () => {
  e2e = await startE2e();
  await insertReports(generateReports(200, { seed: 21, locator: e2e.app.services.forces.locator }));
  await e2e.app.services.mapIndex.build();
  mail = await startTestMail(e2e.app);
  officer = await createUser(e2e.app.services, 'police', { name: 'Pat Officer', forceId: 'sussex' });
  colleague = await createUser(e2e.app.services, 'police', { name: 'Blake Colleague', forceId: 'sussex' });
  await createUser(e2e.app.services, 'police', { name: 'Sam Surrey', forceId: 'surrey' });
  admin = await createUser(e2e.app.services, 'police_admin', { name: 'Ada Admin' });
  flat = await fileReport('14 Quillington Mews, Brighton', { lat: 50.8261, lng: -0.1419 }, 'Many visitors at night.');
  entityReport = await fileReport(
    '3 Harbour Row, Shoreham',
    { lat: 50.8329, lng: -0.2716 },
    'A card in the window said text 07700 900123 for rooms.',
  );
}, 180_000);
afterAll(async () => {
  await mail?.stop();
  await e2e?.close();
});

async function signIn(page: Page, who: { email: string; password: string }, to: string): Promise<void> {
  await signInVia(page, e2e.app.url + to, who);
  await page.waitForURL((u) => u.pathname === to.split('?')[0]);
}

async function shot(page: Page, name: string, opts: { docs?: boolean; fullPage?: boolean } = {}): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: opts.fullPage ?? true });
  if (opts.docs) {
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: opts.fullPage ?? false });
  }
}

const zoomOf = (page: Page) => Number(new URL(page.url()).searchParams.get('z'));
const centreOf = (page: Page) => (new URL(page.url()).searchParams.get('c') ?? '').split(',').map(Number) as [number, number];

/** The open report is `reference`, the map has flown to it (zoom 16+, centred on it) and its ring is above the markers. */
async function expectOpenOnMap(page: Page, reference: string): Promise<void> {
  await page.getByRole('heading', { name: `Report ${reference}` }).waitFor();
  const text = (await page.locator('.pw-details dd').first().textContent()) ?? '';
  const m = /\((-?\d+\.\d+), (-?\d+\.\d+)\)/.exec(text);
  expect(m, text).toBeTruthy();
  const [lat, lng] = [Number(m![1]), Number(m![2])];
  await expect.poll(() => zoomOf(page), { timeout: 10_000 }).toBeGreaterThanOrEqual(16);
  await expect
    .poll(
      () => {
        const [clat, clng] = centreOf(page);
        return Math.abs(clat - lat) < 0.0005 && Math.abs(clng - lng) < 0.0005;
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  const ring = page.getByTestId('map-selected');
  await ring.waitFor();
  const z = await ring.evaluate((el) => ({
    ring: Number(getComputedStyle(el.closest('.leaflet-pane') as HTMLElement).zIndex),
    markers: Number(getComputedStyle(document.querySelector('.leaflet-marker-pane') as HTMLElement).zIndex),
  }));
  expect(z.ring).toBeGreaterThan(z.markers);
}

async function search(page: Page, q: string): Promise<void> {
  await page.getByRole('searchbox', { name: 'Find a report' }).fill(q);
  const answered = page.waitForResponse((r) => r.url().startsWith(`${e2e.app.url}/api/reports/search?`));
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await answered;
  // The results of this search are on screen (not the previous search's).
  await page.getByTestId('search-count').waitFor();
  await page.waitForFunction(() => !document.querySelector('.oa-search button[type="submit"]:disabled'));
}

/** The confirmation is just below `form` (the action that caused it), not somewhere else in the panel. */
async function expectNoticeBelow(page: Page, testId: string, form: ReturnType<Page['locator']>): Promise<void> {
  const notice = page.getByTestId(testId);
  await notice.waitFor();
  const [f, n] = [await form.boundingBox(), await notice.boundingBox()];
  expect(n!.y - (f!.y + f!.height)).toBeGreaterThanOrEqual(0);
  expect(n!.y - (f!.y + f!.height)).toBeLessThan(40);
}

describe('the officer’s actions in the workspace', () => {
  it('finds reports by reference, address and linked entity, changes priority with a reason and assigns a colleague', async () => {
    const page = await openPage(e2e.browser, e2e.app.url, DESKTOP);
    const cspErrors = await watchCsp(page);
    await signIn(page, officer, '/police');
    await page.getByRole('heading', { name: 'Police workspace' }).waitFor();
    await page.locator(MARKERS).first().waitFor({ timeout: 20_000 });
    await page.waitForLoadState('networkidle');

    // By reference, typed in lower case with spaces: the one hit opens at once and the map flies to it.
    await search(page, flat.reference.toLowerCase().replace(/-/g, ' '));
    await page.waitForURL((u) => u.searchParams.get('report') === flat.id);
    await expectOpenOnMap(page, flat.reference);
    await expect(page.getByTestId('search-count').textContent()).resolves.toBe('1 report found');

    // By address words (prefixes, any case): a list saying how each matched; choosing one opens it.
    await page.getByRole('button', { name: '← Back to queue' }).click();
    await search(page, 'QUILLING mews');
    const results = page.locator('.oa-search-item');
    await expect.poll(() => results.count()).toBe(1);
    await expect(results.first().textContent()).resolves.toContain('matched by address');
    await shot(page, 'police-actions-search-address');
    await results.first().click();
    await expectOpenOnMap(page, flat.reference);

    // By a linked entity: the phone number written another way than in the report's description.
    await search(page, '+44 (0)7700 900 123');
    await expect.poll(() => results.count()).toBe(1);
    await expect(results.first().textContent()).resolves.toContain(entityReport.reference);
    await expect(results.first().textContent()).resolves.toContain('matched by linked entity');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot(page, 'police-actions-search-entity', { docs: true });
    await results.first().click();
    await expectOpenOnMap(page, entityReport.reference);

    // Back to the first report: priority needs a reason; the change is confirmed beside the priority form.
    await search(page, flat.reference);
    await expectOpenOnMap(page, flat.reference);
    const priorityForm = page.locator('form', { has: page.getByRole('heading', { name: 'Priority' }) });
    await page.getByRole('button', { name: 'Raise to Safeguarding' }).click();
    await page.getByText('Give a reason for the change').waitFor();
    expect(await page.getByLabel('Reason for changing to Safeguarding').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Reason for changing to Safeguarding').fill('Reporter saw a child leave at 2am');
    await page.getByRole('button', { name: 'Raise to Safeguarding' }).click();
    await expectNoticeBelow(page, 'notice-priority', priorityForm);
    await expect(page.getByTestId('notice-priority').textContent()).resolves.toBe('Priority changed to Safeguarding.');
    await expect(page.locator('.pw-badges').textContent()).resolves.toContain('Safeguarding');
    // Times are UK local time, said once (not "GMT UTC").
    await expect(page.locator('.pw-details').textContent()).resolves.not.toMatch(/(GMT|BST) UTC/);
    await page.getByRole('button', { name: 'Lower to Standard' }).waitFor();
    // The detail panel scrolls on its own: the priority form and its confirmation, as the officer sees them.
    await page.getByTestId('notice-priority').evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await page.locator('.pw-detail').screenshot({ path: path.join(SHOTS, 'police-actions-priority.png') });
    await expect(page.locator('.pw-history').last().textContent()).resolves.toContain('report.priority');

    // Assign to a colleague of the same force (not to oneself); officers of other forces are not offered.
    const officers = page.getByLabel('Officer', { exact: true });
    await expect
      .poll(() => officers.locator('option:not([disabled])').allTextContents())
      .toEqual(['Blake Colleague', 'Pat Officer']);
    await officers.selectOption({ label: 'Blake Colleague' });
    await page.getByRole('button', { name: 'Assign', exact: true }).click();
    await expect.poll(() => page.getByTestId('notice-assign').textContent()).toBe('Assigned to Blake Colleague.');
    await expect(page.locator('.pw-details').textContent()).resolves.toContain('Blake Colleague');
    await expect
      .poll(() => officers.locator('option:checked, option[disabled]').allTextContents())
      .toContain('Blake Colleague (assigned)');

    // A question for the reporter.
    await page.getByLabel('Ask the reporter a question').fill('How many people did you see going in?');
    await page.getByRole('button', { name: 'Send question' }).click();
    await page.getByTestId('notice-question').waitFor();
    await page.waitForLoadState('networkidle');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot(page, 'police-actions-detail');
    expect(await cspErrors()).toEqual([]);
    await page.context().close();
  }, 180_000);

  it('marks a reporter’s reply unread in the queue, emails the assigned officer a link that opens it on the map, under its question', async () => {
    // (Follows the first test: the report is assigned to Blake and has a question for the reporter.)
    // The reporter left an email: one message says police have a question, with a link and nothing of the report.
    await mail.worker.drain();
    const asked = mail.smtp.to('robin.reporter@example.test');
    expect(asked.map((m) => m.subject)).toEqual(['Police have a question about your StayWatch report']);
    for (const secret of ['How many people', 'Quillington', flat.reference]) {
      expect(asked[0]!.text).not.toContain(secret);
      expect(asked[0]!.html).not.toContain(secret);
    }
    const followUp = new URL(/https?:\/\/\S+\/follow-up\b/.exec(asked[0]!.text)![0]).pathname;
    await mail.reset();

    // The reporter follows the link, types the reference as they like (lower case, spaces) and answers the question.
    const reporter = await openPage(e2e.browser, e2e.app.url, DESKTOP);
    const reporterCsp = await watchCsp(reporter);
    await reporter.goto(e2e.app.url + followUp);
    await reporter.getByLabel('Reference').fill(flat.reference.toLowerCase().replace(/-/g, ' '));
    await reporter.getByLabel('Passphrase').fill(flat.passphrase);
    await reporter.getByRole('button', { name: 'Show my report' }).click();
    await reporter.getByText('How many people did you see going in?').waitFor();
    await reporter.getByLabel('Your answer').fill('Six, two of them teenagers');
    await reporter.getByRole('button', { name: 'Send answer' }).click();
    await reporter.getByRole('list', { name: 'Your answers to question 1' }).getByText('Six, two of them teenagers').waitFor();
    expect(await seriousA11yViolations(reporter)).toEqual([]);
    expect(await reporterCsp()).toEqual([]);
    await reporter.context().close();

    // The officer who is not assigned sees it unread in the queue ("New information").
    const page = await openPage(e2e.browser, e2e.app.url, DESKTOP);
    const cspErrors = await watchCsp(page);
    await signIn(page, officer, '/police?inview=0&q=quillington');
    const item = page.locator('.pw-queue-item', { hasText: flat.reference });
    await item.waitFor({ timeout: 20_000 });
    await item.getByText('New information').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot(page, 'police-actions-unread', { docs: true });

    // The assigned officer gets one email: a link to the report, nothing of its content.
    await mail.worker.drain();
    await mail.smtp.waitFor(() => mail.smtp.to(colleague.email).length > 0);
    const mails = mail.smtp.to(colleague.email);
    expect(mails).toHaveLength(1);
    const link = /https?:\/\/\S+\/police\?report=[a-f0-9]{24}/.exec(mails[0]!.text)?.[0];
    // The app's public URL is configured (not the test server's random port): follow the link's path on this server.
    const linkPath = `${new URL(link!).pathname}${new URL(link!).search}`;
    expect(linkPath).toBe(`/police?report=${flat.id}`);
    for (const secret of ['Six, two of them', 'Quillington', flat.reference]) {
      expect(mails[0]!.text).not.toContain(secret);
      expect(mails[0]!.html).not.toContain(secret);
    }

    // The colleague follows the email link: sign in, then the report is open and the map has flown to it.
    const blake = await openPage(e2e.browser, e2e.app.url, DESKTOP);
    const blakeCsp = await watchCsp(blake);
    await signIn(blake, colleague, linkPath);
    expect(new URL(blake.url()).searchParams.get('report')).toBe(flat.id);
    await expectOpenOnMap(blake, flat.reference);
    // The reply is under the question it answers, not in the list of information added on its own.
    const question = blake.getByRole('listitem', { name: 'Question 1' });
    await expect(question.textContent()).resolves.toContain('How many people did you see going in?');
    await expect(question.getByRole('list', { name: 'Replies to question 1' }).textContent()).resolves.toContain(
      'Six, two of them teenagers',
    );
    const addedOnItsOwn = blake.getByRole('heading', { name: 'Added by the reporter' }).locator('xpath=following-sibling::*[1]');
    await expect(addedOnItsOwn.textContent()).resolves.toBe('None.');
    await blake.waitForLoadState('networkidle');
    expect(await seriousA11yViolations(blake)).toEqual([]);
    await shot(blake, 'police-actions-email-link', { docs: true });
    await blake.getByRole('heading', { name: 'Questions to the reporter' }).scrollIntoViewIfNeeded();
    await blake.locator('.pw-questions').screenshot({ path: path.join(SHOTS, 'police-actions-reply.png') });
    expect(await blakeCsp()).toEqual([]);
    await blake.context().close();

    // Opened by the assigned officer: no longer unread in anyone's queue.
    await page.reload();
    await item.waitFor({ timeout: 20_000 });
    await expect.poll(() => item.getByText('New information').count(), { timeout: 10_000 }).toBe(0);
    expect(await cspErrors()).toEqual([]);
    await page.context().close();
  }, 180_000);

  it('lets an admin find a report of any force and assign it to an officer of that force', async () => {
    const page = await openPage(e2e.browser, e2e.app.url, DESKTOP);
    const cspErrors = await watchCsp(page);
    await signIn(page, admin, '/police');
    await page.getByRole('heading', { name: 'Police workspace' }).waitFor();
    await search(page, entityReport.reference);
    await expectOpenOnMap(page, entityReport.reference);
    const officers = page.getByLabel('Officer', { exact: true });
    // Officers of the report's force only: not the Surrey officer, not the admin.
    await expect
      .poll(() => officers.locator('option:not([disabled])').allTextContents())
      .toEqual(['Blake Colleague', 'Pat Officer']);
    await officers.selectOption({ label: 'Pat Officer' });
    await page.getByRole('button', { name: 'Assign', exact: true }).click();
    await expect.poll(() => page.getByTestId('notice-assign').textContent()).toBe('Assigned to Pat Officer.');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot(page, 'police-actions-admin-assign');
    expect(await cspErrors()).toEqual([]);
    await page.context().close();
  }, 120_000);
});

describe('police area alerts for staff', () => {
  it('are on as soon as they are drawn, with no confirmation email', async () => {
    await mail.reset();
    const page = await openPage(e2e.browser, e2e.app.url, DESKTOP);
    const cspErrors = await watchCsp(page);
    await signIn(page, officer, '/police/alerts');
    await page.getByRole('heading', { name: 'Area alerts and advisories' }).waitFor();
    const form = page.getByRole('form', { name: 'New area alert' });
    await form.getByRole('button', { name: 'Draw Rectangle' }).click();
    const map = form.locator('.owner-map');
    const box = (await map.boundingBox())!;
    const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
    await page.mouse.click(cx - 40, cy - 30);
    await page.mouse.click(cx + 40, cy + 30);
    await form.getByText(/Area drawn \(\d+ corners\)/).waitFor();
    await form.getByLabel('Other reports').selectOption('instant');
    await form.getByRole('button', { name: 'Create area alert' }).click();
    await page.getByRole('status').getByText('Area alert on').waitFor();
    const alerts = page.getByRole('region', { name: 'Your area alerts' });
    await alerts.locator('.item-list li').first().getByText('On', { exact: true }).waitFor();
    expect(await alerts.getByText('Waiting for email confirmation').count()).toBe(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, 'police-actions-alerts', { docs: true });
    await mail.worker.drain();
    expect(mail.smtp.to(officer.email).map((m) => m.subject)).not.toContain('Confirm your StayWatch alert');
    expect(await cspErrors()).toEqual([]);
    await page.context().close();
  }, 120_000);
});
