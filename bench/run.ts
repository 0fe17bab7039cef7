import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/** `npm run bench`: every `bench:*` script in package.json, one after another; each prints its figures and appends to bench/RESULTS.md. */
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
const names = Object.keys(pkg.scripts).filter((n) => n.startsWith('bench:'));
let failed = 0;
for (const name of names) {
  console.log(`\n=== npm run ${name}`);
  const res = spawnSync('npm', ['run', '--silent', name], { stdio: 'inherit' });
  if (res.status !== 0) {
    failed++;
    console.error(`${name} failed with exit code ${res.status}`);
  }
}
console.log(`\n${names.length - failed} of ${names.length} benchmarks finished; results appended to bench/RESULTS.md`);
process.exit(failed ? 1 : 0);
