import type { Command } from "commander";
import { register as config } from "./config.js";
import { register as create } from "./create.js";
import { register as doctor } from "./doctor.js";
import { register as index } from "./index.js";
import { register as info } from "./info.js";
import { register as install } from "./install.js";
import { register as list } from "./list.js";
import { register as pack } from "./pack.js";
import { register as remove } from "./remove.js";
import { register as run } from "./run.js";
import { register as search } from "./search.js";
import { register as shell } from "./shell.js";
import { register as update } from "./update.js";

/** Every command module exports `register(program)`; main.ts registers them in this order. */
export const COMMANDS: Array<(program: Command) => void> = [create, install, update, remove, list, info, run, search, config, shell, doctor, pack, index];
