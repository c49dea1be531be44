import { defineConfig } from "vitest/config";

// One vitest run covers every package's tests plus the cross-package tests in test/. Imports of
// @testbed/* resolve to the sources through the "development" export condition, which vitest sets by
// default (test/test-suite-tests-sources.test.ts checks it); the global setup compiles dist/ first, so the
// tests that spawn the `testbed` bin run the current sources too.
export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["./test/build-dist.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
