import { writeSync } from "node:fs";

/**
 * Crash testing hook. Every step that changes a prefix calls faultPoint(); with
 * TAIPAN_FAULT_PAUSE_AT=N in the environment the process announces "TAIPAN_FAULT_PAUSED <N>" on
 * stderr at the N-th point and then blocks, so a test can kill it with a real SIGKILL at an exact
 * moment. TAIPAN_FAULT_COUNT=1 prints the number of points passed at exit, to size the random range.
 * Without the variables this is one increment and one comparison.
 */
let counter = 0;
const pauseAt = Number(process.env.TAIPAN_FAULT_PAUSE_AT ?? Number.NaN);
const enabled = Number.isFinite(pauseAt);

if (process.env.TAIPAN_FAULT_COUNT === "1") {
  process.on("exit", () => {
    writeSync(2, `TAIPAN_FAULT_POINTS ${counter}\n`);
  });
}

export function faultPoint(): void {
  counter++;
  if (enabled && counter === pauseAt) {
    writeSync(2, `TAIPAN_FAULT_PAUSED ${counter}\n`);
    const cell = new Int32Array(new SharedArrayBuffer(4));
    for (;;) Atomics.wait(cell, 0, 0, 60_000);
  }
}
