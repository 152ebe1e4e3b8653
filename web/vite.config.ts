// Builds the results page (web/) into dist/web, which the gateway serves at `/`
// (src/http/routes/web.ts). Everything is bundled: nothing is fetched from elsewhere at run time.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here("."),
  base: "/",
  publicDir: here("public"),
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: here("../dist/web"),
    emptyOutDir: true,
    // The polyfill would be the only inline-able script; every browser we target has modulepreload.
    modulePreload: { polyfill: false },
    sourcemap: true,
    target: "es2022",
    // No inlined data: URLs for assets; the CSP allows them for images only, and we have none.
    assetsInlineLimit: 0,
  },
  server: {
    // `npx vite web` during development: the API comes from a gateway on :4000.
    proxy: { "/graphql": { target: "http://127.0.0.1:4000", ws: true }, "/v1": "http://127.0.0.1:4000" },
  },
});
