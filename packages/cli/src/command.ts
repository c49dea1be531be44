// The contract between the `testbed` shell (main.ts) and its sub-commands, in a file of its own so a
// command never imports the shell that lists it.

/** A sub-command of `testbed`: a name, one line of help, and a runner returning the exit code. */
export interface Command {
  name: string;
  summary: string;
  run(argv: string[]): Promise<number>;
}

/**
 * One row of the shell's table: enough to list the command in `testbed --help`, and how to load its
 * module when it is the one being run (so `testbed oc` never parses the gateway, the EPP or the tokenizer).
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}
