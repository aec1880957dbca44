import { readFileSync } from "node:fs";

// Read from package.json at run time so `taipan --version` can never drift from the package.
function readVersion(): string {
  for (const rel of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "taipan" && pkg.version) return pkg.version;
    } catch {
      // try the next location: src/ (tsx) and dist/src/ (compiled) sit at different depths
    }
  }
  return "0.0.0";
}

export const VERSION = readVersion();
