import type { Command } from "commander";

export type Register = (program: Command) => void;

/**
 * Every command module exports `register(program)`. Modules load lazily: a run of `taipan list`
 * should not pay for the HTTP client, YAML parser and solver it never uses (startup is measured in
 * bench/, and half of it was module loading). Add a command with one line here.
 */
export const COMMAND_MODULES: Readonly<Record<string, () => Promise<{ register: Register }>>> = {
  create: () => import("./create.js"),
  install: () => import("./install.js"),
  update: () => import("./update.js"),
  remove: () => import("./remove.js"),
  list: () => import("./list.js"),
  info: () => import("./info.js"),
  run: () => import("./run.js"),
  search: () => import("./search.js"),
  config: () => import("./config.js"),
  shell: () => import("./shell.js"),
  doctor: () => import("./doctor.js"),
  pack: () => import("./pack.js"),
  index: () => import("./index.js"),
  env: () => import("./env.js"),
  clean: () => import("./clean.js"),
  audit: () => import("./audit.js"),
  sbom: () => import("./sbom.js"),
  serve: () => import("./serve.js"),
  mirror: () => import("./mirror.js"),
  lock: () => import("./lock.js"),
  rename: () => import("./rename.js"),
  compare: () => import("./compare.js"),
};

/** Names registered by another command's module. */
const ALIASES: Readonly<Record<string, string>> = {
  upgrade: "update",
  uninstall: "remove",
  activate: "shell",
  deactivate: "shell",
};

/** The register functions needed for this command line: one module, or all of them for help. */
export async function commandsFor(argv: readonly string[]): Promise<Register[]> {
  const first = argv.find((a) => !a.startsWith("-"));
  const name = first === undefined ? undefined : (ALIASES[first] ?? first);
  if (name !== undefined && name !== "help" && Object.hasOwn(COMMAND_MODULES, name))
    return [(await COMMAND_MODULES[name]!()).register];
  const all = await Promise.all(Object.values(COMMAND_MODULES).map((load) => load()));
  return all.map((m) => m.register);
}
