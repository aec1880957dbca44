// tsc writes files with mode 644; `npx taipan` and the `bin` link run dist/src/cli/bin.js directly,
// so it must be executable (its first line is the `#!/usr/bin/env node` shebang). main.js too: it
// is the unbundled entry some scripts and tests run.
import { chmodSync } from "node:fs";
for (const f of ["bin.js", "main.js"]) chmodSync(new URL(`../dist/src/cli/${f}`, import.meta.url), 0o755);
