import { defineConfig } from "vitest/config";

// One vitest run covers every package's tests plus the cross-package tests in test/. Imports of
// @testbed/* resolve to the sources (the "development" export condition); the global setup compiles
// dist/ first, so the tests that spawn the `testbed` bin run the current sources too.
export default defineConfig({
  resolve: { conditions: ["development"] },
  ssr: { resolve: { conditions: ["development"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["./test/build-dist.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
