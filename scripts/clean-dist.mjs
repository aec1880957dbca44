// Removes stale compiled output so a deleted source file cannot leave a test behind in dist/.
import { rmSync } from "node:fs";
rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
