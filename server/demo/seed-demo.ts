import type { Role } from '../../shared/schemas/auth';
import { UserModel } from '../accounts/user.model';
import { ForceModel } from '../forces/force.model';
import { polygonsFromGeoJson } from '../forces/geojson';
import type { Services } from '../services';
import { DEMO_FORCES } from './areas';
import { generateProperties, generateReports } from './generate';
import { insertReports } from './insert';

export const DEMO_ACCOUNTS: Array<{
  email: string;
  name: string;
  role: Role;
  forceId?: string;
}> = [
  {
    email: 'officer@demo.test',
    name: 'PC Demo Officer',
    role: 'police',
    forceId: 'sussex',
  },
  { email: 'admin@demo.test', name: 'Demo Police Admin', role: 'police_admin' },
  { email: 'owner@demo.test', name: 'Demo Owner', role: 'owner' },
  { email: 'host@demo.test', name: 'Demo Host', role: 'host' },
];

export async function seedForces(s: Services): Promise<void> {
  for (const f of DEMO_FORCES) await s.forces.upsert(f.id, f.name, polygonsFromGeoJson(f.area));
}

/** Seeds the demo once, into an empty database. Never runs in production (config refuses it). */
export async function seedDemoIfEmpty(s: Services): Promise<boolean> {
  const [users, forces] = await Promise.all([UserModel.estimatedDocumentCount(), ForceModel.estimatedDocumentCount()]);
  if (users > 0 || forces > 0) return false;
  s.logger.info('Empty database: seeding demo data (forces, accounts, properties, reports)');
  await seedForces(s);
  const created = [];
  for (const a of DEMO_ACCOUNTS) created.push(await s.users.create({ ...a, password: s.config.demoPassword }));
  const owner = created.find((u) => u.role === 'owner')!;
  const props = generateProperties(3, {
    seed: 7,
    locator: s.forces.locator,
  }).filter((p) => p.forceId === 'sussex');
  // Through the service, like an owner registering them: listed on the owner's account at once. The demo admin then
  // verifies them after a (pretend) check of documents, so released reports reach the demo owner.
  const admin = created.find((u) => u.role === 'police_admin')!;
  const adminUser = { id: String(admin._id), email: admin.email, name: admin.name, role: admin.role, forceId: null };
  for (const p of props) {
    const prop = await s.properties.create(String(owner._id), { address: p.address, lat: p.lat, lng: p.lng, type: p.type });
    await s.properties.verification.request(String(owner._id), String(prop._id), 'demo data');
    await s.properties.verification.decide(adminUser, String(prop._id), 'verified', 'demo data');
  }
  const n = await insertReports(
    generateReports(s.config.demoReports, {
      seed: 42,
      locator: s.forces.locator,
    }),
  );
  s.logger.info({ reports: n, accounts: DEMO_ACCOUNTS.map((a) => a.email) }, 'demo data ready');
  return true;
}
