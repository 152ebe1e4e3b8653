import { defineConfig } from "vitest/config";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // One graphql copy for our ESM code and CJS dependencies alike; two copies turn
    // coded GraphQL errors into INTERNAL_SERVER_ERROR (see STACK.md).
    alias: { graphql: require.resolve("graphql/index.js") },
  },
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: false,
  },
});
