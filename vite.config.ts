import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** Vendor code in its own chunks: it changes less often than ours, and the map libraries load only with a map. */
const VENDOR_CHUNKS = [
  { name: 'react', packages: /node_modules[\\/](react|react-dom|scheduler|react-router|react-router-dom)[\\/]/ },
  { name: 'leaflet', packages: /node_modules[\\/](leaflet|react-leaflet|@react-leaflet[\\/]core)[\\/]/ },
  { name: 'geoman', packages: /node_modules[\\/]@geoman-io[\\/]/ },
  { name: 'zod', packages: /node_modules[\\/]zod[\\/]/ },
].map(({ name, packages }) => ({
  name,
  // JavaScript only: a stylesheet stays with the chunk that imports it (main.tsx keeps leaflet.css first).
  test: (id: string) => packages.test(id) && !id.endsWith('.css'),
}));

export default defineConfig({
  root: 'client',
  plugins: [react()],
  build: {
    outDir: '../dist/client',
    emptyOutDir: true,
    sourcemap: false,
    // Vite 8 bundles with rolldown: `codeSplitting.groups` replaces rollup's manualChunks.
    // Keep the default 500 kB chunk warning; tests/client/bundle-size.test.ts fails if a chunk exceeds it.
    rolldownOptions: { output: { codeSplitting: { groups: VENDOR_CHUNKS } } },
  },
  server: { port: 5173, proxy: { '/api': 'http://localhost:3000' } },
});
