#!/usr/bin/env node
import { VERSION } from "../taipan-version.js";

const args = process.argv.slice(2);
if (args[0] === "--version" || args[0] === "-V") {
  process.stdout.write(`taipan ${VERSION}\n`);
} else {
  process.stdout.write("usage: taipan <command> [options]\n");
}
