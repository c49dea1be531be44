import { defineConfig } from "vitest/config";

// One vitest run covers every package's tests plus the cross-package tests in test/.
export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
