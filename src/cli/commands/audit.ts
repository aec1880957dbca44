import { type Command, Option } from "commander";
import { TaipanError } from "../../conda/errors.js";
import { readPrefixRecords } from "../../install/conda-meta.js";
import { recoverPrefix } from "../../install/transaction.js";
import { auditFindingToJson, auditRecords } from "../../policy/audit.js";
import { policyFiles } from "../../policy/load-policy.js";
import { Policy } from "../../policy/policy.js";
import { SEVERITIES, type Severity } from "../../policy/policy-file.js";
import {
  addOutputOptions,
  addPrefixOptions,
  commandContext,
  type GlobalOpts,
  targetPrefix,
} from "../common-options.js";
import { printJson, table } from "../output.js";

interface AuditOpts extends GlobalOpts {
  policy?: string;
  advisories?: string[];
  severity?: Severity;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const POLICY_HELP = `
A policy is a YAML file (--policy, TAIPAN_POLICY, the policy_file setting, and the environment's
conda-meta/policy.yaml). Each rule has an id, an optional reason shown to users, and one of:
  channels:        { allow: [conda-forge, "https://repo.example.com/*"], deny: [...] }
  packages:        { deny: ["python <3.9", "openssl 1.0.*"], allow: [...] }
  licenses:        { deny: ["GPL-*", "AGPL-*"], allow: [...], unknown: allow|deny }
  advisories:      { files: [osv.json], severity: low|medium|high|critical, ignore: [ids] }
  min_release_age: { age: 7d, missing_timestamp: allow|deny, exempt: [specs] }
for example:
  rules:
    - id: no-gpl
      reason: GPL code may not ship in our products
      licenses: { deny: ["GPL-*"] }
The same rules apply when solving (create, install, update): excluded packages are never chosen.`;

export function register(program: Command): void {
  const cmd = program
    .command("audit")
    .description("Check an installed environment against the supply-chain policy and security advisories")
    .option("--policy <file>", "policy file to check against (instead of TAIPAN_POLICY / policy_file)")
    .option("--advisories <file>", "OSV advisory file (JSON) to check against (repeatable)", collect)
    .addOption(
      new Option("--severity <level>", "ignore --advisories entries below this severity").choices([
        ...SEVERITIES,
      ]),
    )
    .addHelpText("after", POLICY_HELP);
  addPrefixOptions(cmd);
  addOutputOptions(cmd);
  cmd.action((opts: AuditOpts) => {
    const { config } = commandContext(opts);
    const prefix = targetPrefix(opts, config);
    const files = policyFiles({
      policyFile: opts.policy ?? config.policy_file,
      prefix,
      env: opts.policy ? {} : process.env,
    });
    let policy = Policy.load(files);
    if (opts.advisories?.length)
      policy = policy.with([
        {
          kind: "advisories",
          id: "advisories",
          source: "--advisories",
          files: opts.advisories,
          severity: opts.severity,
          ignore: [],
        },
      ]);
    if (policy.isEmpty)
      throw new TaipanError("POLICY_NONE", `no policy or advisories apply to ${prefix}`, {
        hint: "Give --policy FILE or --advisories FILE, set TAIPAN_POLICY or policy_file (`taipan config --set policy_file PATH`), or add conda-meta/policy.yaml to the environment.",
        exceptionName: "PolicyNotFoundError",
      });
    recoverPrefix(prefix);
    const records = readPrefixRecords(prefix).map((p) => p.record);
    const report = auditRecords(records, policy);
    if (opts.json) {
      printJson({
        success: report.ok,
        prefix,
        policy_files: files,
        checked: report.checked,
        rules: report.rules,
        violations: report.findings.map(auditFindingToJson),
      });
    } else {
      const lines = [
        `Audited ${report.checked} packages in ${prefix} against ${report.rules.length} rule(s): ${report.rules.join(", ")}.`,
      ];
      if (files.length) lines.push(`Policy: ${files.join(", ")}`);
      if (report.ok) lines.push("No violations found.");
      else {
        const rows = [["package", "version", "build", "rule", "advisory", "severity", "fixed in", "reason"]];
        for (const f of report.findings)
          for (const v of f.violations)
            rows.push([
              f.record.name,
              f.record.version,
              f.record.build,
              v.ruleId,
              v.advisory?.id ?? "",
              v.advisory?.severity ?? "",
              v.advisory?.fixed ?? "",
              v.reason,
            ]);
        const count = rows.length - 1;
        lines.push("", table(rows), "", `${count} violation(s) in ${report.findings.length} package(s).`);
      }
      process.stdout.write(`${lines.join("\n")}\n`);
    }
    if (!report.ok) process.exitCode = 1;
  });
}
