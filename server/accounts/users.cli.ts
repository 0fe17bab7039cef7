import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { CreateStaffBody } from '../../shared/schemas/auth';
import { loadConfig } from '../config';
import { connectDb, disconnectDb } from '../db/connection';
import { startEngine } from '../db/engine';
import { createLogger } from '../logger';
import { createServices } from '../services';
import { passwordProblem } from './password-policy';

const USAGE = `Usage: npm run users -- create --role police|police_admin --email EMAIL [--force FORCE_ID] [--name NAME] [--password PASSWORD]
       npm run users -- disable --email EMAIL
Without --password a random one is generated and printed once.`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    role: { type: 'string' },
    email: { type: 'string' },
    force: { type: 'string' },
    name: { type: 'string' },
    password: { type: 'string' },
  },
});

const command = positionals[0];
if (command !== 'create' && command !== 'disable') {
  console.error(USAGE);
  process.exit(2);
}

const config = loadConfig();
const engine = await startEngine(config, { persistent: true, say: (m) => console.error(m) });
let code = 0;
try {
  await connectDb(engine.uri, config.dbName);
  const s = createServices(config, createLogger({ level: 'warn' }), engine.kind);
  await s.forces.load();
  if (command === 'create') {
    const password = values.password ?? randomBytes(12).toString('base64url');
    const input = CreateStaffBody.safeParse({
      role: values.role,
      email: values.email,
      forceId: values.force,
      name: values.name ?? values.email,
      password,
    });
    const weak = input.success ? passwordProblem(input.data.password, input.data) : null;
    if (!input.success) {
      console.error(input.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
      console.error(USAGE);
      code = 2;
    } else if (weak) {
      console.error(`password: ${weak}`);
      code = 2;
    } else {
      const user = await s.users.create(input.data);
      console.log(`Created ${user.role} ${user.email}${user.forceId ? ` (${user.forceId})` : ''}`);
      if (!values.password) console.log(`Password: ${password}`);
    }
  } else {
    const user = await s.users.findByEmail(String(values.email ?? ''));
    if (!user) {
      console.error('No such user');
      code = 1;
    } else {
      await s.users.setDisabled(user._id.toString(), true);
      console.log(`Disabled ${user.email}; their sessions have ended.`);
    }
  }
} catch (err) {
  console.error((err as Error).message);
  code = 1;
} finally {
  await disconnectDb();
  await engine.stop();
}
process.exit(code);
