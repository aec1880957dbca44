// The README's main job: build the offline demo channel from examples/recipes with `taipan pack`
// and `taipan index`, create a real environment from it with `taipan create`, and run its program.
// Everything lives under ./.taipan-demo (root prefix, package cache, channel, environment).
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = join(root, "dist", "src", "cli", "bin.js");
const work = join(root, ".taipan-demo");
const channel = join(work, "channel");
const env = join(work, "envs", "demo");
const childEnv = { ...process.env, TAIPAN_ROOT_PREFIX: join(work, "root"), CONDA_PKGS_DIRS: join(work, "pkgs") };

function taipan(args, opts = {}) {
  console.log(`$ taipan ${args.join(" ")}`);
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: "inherit", env: childEnv, ...opts });
  if (r.status !== 0) {
    console.error(`demo step failed (exit ${r.status}): taipan ${args.join(" ")}`);
    process.exit(r.status ?? 1);
  }
}

rmSync(work, { recursive: true, force: true });
mkdirSync(join(channel, "noarch"), { recursive: true });
const recipes = join(root, "examples", "recipes");
for (const name of readdirSync(recipes).sort()) {
  const dir = join(recipes, name);
  taipan(["pack", join(dir, "files"), "--recipe", join(dir, "recipe.yaml"), "--output-dir", join(channel, "noarch"), "-q"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
}
taipan(["index", channel]);
taipan(["create", "-y", "-p", env, "-c", channel, "--override-channels", "greet-activate"]);
taipan(["list", "-p", env]);
taipan(["run", "-p", env, "hello"]);
console.log(`\nThe environment is at ${env}; try: node ${cli} run -p ${env} hello`);
