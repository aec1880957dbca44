import type { Command } from "commander";
import { register as config } from "./config.js";
import { register as info } from "./info.js";
import { register as list } from "./list.js";
import { register as pack } from "./pack.js";
import { register as run } from "./run.js";
import { register as shell } from "./shell.js";

/** Every command module exports `register(program)`; main.ts registers them in this order. */
export const COMMANDS: Array<(program: Command) => void> = [list, info, run, config, shell, pack];
