// Fault tests: real processes (compiled dist/), real Redis servers, SIGKILLs. Slower than the
// rest (BullMQ hands a killed worker's job on only after its 60 s lock lapses), so they run
// apart: `npm run test:faults` (builds first).
import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: { alias: { graphql: require.resolve("graphql/index.js") } },
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["test/faults/**/*.fault.ts"],
    testTimeout: 420_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: false,
  },
});
