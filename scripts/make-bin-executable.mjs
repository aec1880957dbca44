// tsc writes files with mode 644; `npx taipan` and the `bin` link run dist/src/cli/main.js directly,
// so it must be executable (its first line is the `#!/usr/bin/env node` shebang).
import { chmodSync } from "node:fs";
chmodSync(new URL("../dist/src/cli/main.js", import.meta.url), 0o755);
