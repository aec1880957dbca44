// A separate process loading a channel through the gateway (for the multi-process cache test).
// argv: cacheDir channelUrl; prints the sorted file names of "a" and "b" as JSON.
import { RepodataGateway } from "../../src/repodata/gateway.js";

const [cacheDir, channel] = process.argv.slice(2);
const gw = new RepodataGateway({ cacheDir, retryBaseMs: 5 });
gw.load({ channels: [channel], subdirs: ["linux-64", "noarch"] })
  .then(async (index) => {
    const fns = ["a", "b"].flatMap((n) => index.get(n).map((r) => r.fn)).sort();
    process.stdout.write(JSON.stringify(fns));
    await gw.close();
  })
  .catch((e: unknown) => {
    process.stderr.write(String(e));
    process.exitCode = 1;
  });
