import { buildClientIfNeeded } from './client-build';

/** `npm start`: build the client when it is missing or older than its sources, then run the server. */
if (!buildClientIfNeeded((m) => console.log(m))) {
  console.error('The web client failed to build (see above).');
  process.exit(1);
}
await import('./serve');
