import { z } from 'zod';

// Imported first by main.tsx, before any schema is built or used: zod would otherwise probe `new Function` for its
// JIT parser, which the app's CSP (no 'unsafe-eval') reports as a violation on every page that validates a form.
z.config({ jitless: true });
