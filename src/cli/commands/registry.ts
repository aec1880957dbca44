import type { Command } from "commander";

/** Every command module exports `register(program)`; main.ts registers them in this order. */
export const COMMANDS: Array<(program: Command) => void> = [];
