import { ensureFerretDbBuilt } from './ferretdb';

/** `npm run engine:build`: build (or find cached) the FerretDB launcher; used by CI before the tests. */
const bin = await ensureFerretDbBuilt((m) => console.log(m));
console.log(`FerretDB launcher ready: ${bin}`);
