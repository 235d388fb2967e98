import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The app is served by the tavle binary itself; `npm run dev` proxies the API to a running
// `tavle demo` on port 8080.
export default defineConfig({
  plugins: [svelte()],
  build: {
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    // The document editor's chunk (TipTap, ProseMirror, Yjs) is about 575 KB, 180 KB gzipped,
    // and loads only on /documents/:id and a handed-in document's page (the two pages' own
    // chunks share it); the home page's budget is checked by
    // crates/tavle/tests/web.rs against the scripts index.html loads.
    chunkSizeWarningLimit: 650,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
