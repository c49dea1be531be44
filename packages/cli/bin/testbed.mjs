#!/usr/bin/env node
// The `testbed` command. The project runs its TypeScript sources directly through tsx's loader,
// so there is no build step between `npm install` and `npx testbed`.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));
