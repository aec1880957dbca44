import type { Command } from "commander";
import { dependencyOrder } from "../../conda/dependency-order.js";
import { TaipanError } from "../../conda/errors.js";
import { currentSubdir } from "../../conda/platform.js";
import { formatExplicitFile } from "../../env/explicit-file.js";
import { readPrefixRecords } from "../../install/conda-meta.js";
import { historyRevisions, readHistory } from "../../install/history.js";
import {
  addOutputOptions,
  addPrefixOptions,
  commandContext,
  type GlobalOpts,
  targetPrefix,
} from "../common-options.js";
import { VERSION } from "../../taipan-version.js";
import { printJson } from "../output.js";
import { channelDisplayName, listJsonEntry } from "../record-display.js";

interface ListOpts extends GlobalOpts {
  explicit?: boolean;
  export?: boolean;
  sha256?: boolean;
  md5?: boolean;
  revisions?: boolean;
  full_name?: boolean;
  fullName?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command("list")
    .description("List the packages in an environment")
    .argument("[regex]", "only packages whose name matches this regular expression")
    .option("--explicit", "print an @EXPLICIT file that recreates the environment")
    .option(
      "-e, --export",
      "print name=version=build lines that `create --file` reads (conda's export format)",
    )
    .option("--sha256", "with --explicit: add each package's sha256")
    .option("--md5", "with --explicit: add each package's md5")
    .option("-r, --revisions", "list the revision history")
    .option("-f, --full-name", "match the whole name, not a substring");
  addPrefixOptions(cmd);
  addOutputOptions(cmd);
  cmd.action((regex: string | undefined, opts: ListOpts) => {
    const { config } = commandContext(opts);
    const prefix = targetPrefix(opts, config);
    if (opts.revisions) return listRevisions(prefix, opts.json === true);
    let records = readPrefixRecords(prefix).map((pr) => pr.record);
    if (regex) {
      let re: RegExp;
      try {
        re = new RegExp(opts.fullName ? `^(?:${regex})$` : regex);
      } catch (e) {
        throw new TaipanError("BAD_REGEX", `invalid regular expression '${regex}': ${(e as Error).message}`, {
          hint: "Give a package name or a regular expression such as '^lib' (quote it for the shell).",
          exceptionName: "CondaValueError",
        });
      }
      records = records.filter((r) => re.test(r.name));
    }
    records.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (opts.explicit) {
      const hash = opts.sha256 ? "sha256" : opts.md5 ? "md5" : undefined;
      const platform = records.find((r) => r.subdir !== "noarch")?.subdir ?? currentSubdir();
      process.stdout.write(formatExplicitFile(dependencyOrder(records), platform, { hash }));
      return;
    }
    if (opts.export) {
      // conda list --export: a spec file (a solve recreates it; --explicit pins exact archives)
      const platform = records.find((r) => r.subdir !== "noarch")?.subdir ?? currentSubdir();
      const lines = [
        "# This file may be used to create an environment using:",
        "# $ taipan create --name <env> --file <this file>",
        `# platform: ${platform}`,
        `# created-by: taipan ${VERSION}`,
        ...records.map((r) => `${r.name}=${r.version}=${r.build}`),
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
      return;
    }
    if (opts.json) {
      printJson(records.map(listJsonEntry));
      return;
    }
    const lines = [
      `# packages in environment at ${prefix}:`,
      "#",
      `# ${"Name".padEnd(23)} ${"Version".padEnd(15)} ${"Build".padStart(15)}  Channel`,
    ];
    for (const r of records) {
      lines.push(
        `${r.name.padEnd(25)} ${r.version.padEnd(15)} ${r.build.padStart(15)}  ${channelDisplayName(r)}`.trimEnd(),
      );
    }
    process.stdout.write(`${lines.join("\n")}\n`);
  });
}

function listRevisions(prefix: string, json: boolean): void {
  const revs = historyRevisions(readHistory(prefix));
  if (json) {
    printJson(
      revs.map((r) => ({
        rev: r.rev,
        date: r.date,
        install: r.entry.added,
        remove: r.entry.removed,
        cmd: r.entry.cmd,
      })),
    );
    return;
  }
  const out: string[] = [];
  for (const r of revs) {
    out.push(`${r.date}  (rev ${r.rev})`);
    for (const d of [...r.entry.removed].sort()) out.push(`    -${d}`);
    for (const d of [...r.entry.added].sort()) out.push(`    +${d}`);
    out.push("");
  }
  process.stdout.write(`${out.join("\n")}\n`);
}
