import { writeFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { type Command, Option } from "commander";
import { environmentName } from "../../env/environments.js";
import { readPrefixRecords } from "../../install/conda-meta.js";
import { recoverPrefix } from "../../install/transaction.js";
import { requestedSpecsOf } from "../../ops/requested-specs.js";
import { cycloneDxSbom } from "../../policy/sbom-cyclonedx.js";
import { spdxSbom } from "../../policy/sbom-spdx.js";
import { VERSION } from "../../taipan-version.js";
import {
  addOutputOptions,
  addPrefixOptions,
  commandContext,
  type GlobalOpts,
  targetPrefix,
} from "../common-options.js";
import { info } from "../output.js";

interface SbomOpts extends GlobalOpts {
  format: "cyclonedx" | "spdx";
  output?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command("sbom")
    .description("Write a software bill of materials of an environment (CycloneDX 1.5 or SPDX 2.3 JSON)")
    .addOption(
      new Option("--format <format>", "SBOM format").choices(["cyclonedx", "spdx"]).default("cyclonedx"),
    )
    .option("-o, --output <file>", "write to FILE instead of standard output");
  addPrefixOptions(cmd);
  addOutputOptions(cmd);
  cmd.action((opts: SbomOpts) => {
    const { config, mode } = commandContext(opts);
    const prefix = targetPrefix(opts, config);
    recoverPrefix(prefix);
    const records = readPrefixRecords(prefix).map((p) => p.record);
    const sbomOpts = {
      name: environmentName(prefix, config) || basename(prefix),
      toolVersion: VERSION,
      roots: [...requestedSpecsOf(prefix).keys()],
    };
    const doc = opts.format === "spdx" ? spdxSbom(records, sbomOpts) : cycloneDxSbom(records, sbomOpts);
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    if (opts.output) {
      const file = resolve(opts.output);
      writeFileSync(file, text);
      const what = opts.format === "spdx" ? "SPDX 2.3" : "CycloneDX 1.5";
      info(mode, `Wrote the ${what} SBOM of ${records.length} packages in ${prefix} to ${file}.`);
    } else process.stdout.write(text);
  });
}
