// Child process of crash.test.ts: runs one transaction on a prefix so the parent can SIGKILL it
// (at a fault point chosen with TAIPAN_FAULT_PAUSE_AT, or at a random time).
// argv: <prefix> <targets.json>, targets.json = [{ extractedDir, channel }]
import { readFileSync } from "node:fs";
import { PackageRecord } from "../../src/conda/package-record.js";
import { readPackageContents } from "../../src/install/package-contents.js";
import { executeTransaction, planTransaction } from "../../src/install/transaction.js";

const [prefix, targetsFile] = process.argv.slice(2);
const specs = JSON.parse(readFileSync(targetsFile, "utf8")) as { extractedDir: string; channel: string }[];
const targets = specs.map((s) => ({
  record: PackageRecord.fromJson(readPackageContents(s.extractedDir).record.toJson(), { channel: s.channel }),
  extractedDir: s.extractedDir,
}));
executeTransaction(planTransaction(prefix, targets), { cmd: "crash-child" });
process.stdout.write("DONE\n");
