import { ConfigError, EndpointsFileError, EppArgsError, eppArgsUsage, parseEppArgs, startEpp } from "@testbed/epp";
import type { Command } from "../command.js";
import { waitForShutdownSignal } from "../shutdown.js";

/** `testbed epp [flags]`: an Endpoint Picker in the foreground, with the real EPP's flags. */
export const eppCommand: Command = {
  name: "epp",
  summary: "run an Endpoint Picker (ext_proc gRPC, health, metrics) over a static pool",
  async run(argv) {
    let parsed: ReturnType<typeof parseEppArgs>;
    try {
      parsed = parseEppArgs(argv);
    } catch (error) {
      if (!(error instanceof EppArgsError)) throw error;
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (parsed.help) {
      process.stdout.write(`${eppArgsUsage()}\n`);
      return 0;
    }
    for (const flag of parsed.ignored) process.stderr.write(`testbed epp: flag not modelled, ignoring: ${flag}\n`);
    try {
      const shutdown = waitForShutdownSignal();
      const epp = await startEpp(parsed.options);
      await shutdown;
      await epp.close();
      return 0;
    } catch (error) {
      if (error instanceof ConfigError || error instanceof EndpointsFileError) {
        process.stderr.write(`testbed epp: ${error.message}\n`);
        return 1;
      }
      if (
        (error as NodeJS.ErrnoException).code === "ENOENT" ||
        /No address added|EADDRINUSE/.test((error as Error).message)
      ) {
        process.stderr.write(`testbed epp: ${(error as Error).message}\n`);
        return 1;
      }
      throw error;
    }
  },
};
