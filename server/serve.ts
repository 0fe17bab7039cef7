import { ConfigError } from './config';
import { EngineError } from './db/engine';
import { main } from './index';

/** Runs the server, turning configuration and engine problems into a clear message and exit code 1. */
try {
  await main();
} catch (err) {
  if (err instanceof ConfigError || err instanceof EngineError) {
    console.error(`\nStayWatch could not start:\n${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
