#!/usr/bin/env node
// The `testbed` command: the compiled JavaScript `npm install` leaves in dist/ (its prepare step runs
// scripts/build.mjs), in this very process, so a signal to `npx testbed …` reaches the command itself.
// `testbed oc get pods -A | head`: a reader that stops early ends the command quietly, as with oc.
process.stdout.on("error", (error) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(0);
});
let main;
try {
  ({ main } = await import("../dist/main.js"));
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND" || !String(error.message).includes("/dist/")) throw error;
  process.stderr.write(
    `testbed: the compiled command is missing (${error.message}).\nRun \`npm install\` (or \`npm run build\`) in the repository first.\n`,
  );
  process.exit(1);
}
process.exitCode = await main(process.argv.slice(2));
