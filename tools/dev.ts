import { spawn } from 'node:child_process';

/** `npm run dev`: the API in watch mode on :3000 and Vite's dev server (proxying /api) on :5173. */
const procs = [
  spawn('npx', ['tsx', 'watch', '--clear-screen=false', 'server/serve.ts'], { stdio: 'inherit' }),
  spawn('npx', ['vite'], { stdio: 'inherit' }),
];
console.log('Dev: open http://localhost:5173 (API on http://localhost:3000)');
const stop = () => {
  for (const p of procs) p.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const p of procs) p.on('exit', stop);
