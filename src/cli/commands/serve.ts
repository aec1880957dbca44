import { resolve } from "node:path";
import type { Command } from "commander";
import { verifyAuditLog } from "../../server/serve/audit-log.js";
import { ChannelServer } from "../../server/serve/channel-server.js";
import { formatScope, parseScope, type Scope } from "../../server/serve/scopes.js";
import { loadServerConfig } from "../../server/serve/server-config.js";
import { createToken, listTokens, revokeToken } from "../../server/serve/token-store.js";
import { addOutputOptions, type GlobalOpts } from "../common-options.js";
import { CondaValueError, UsageError } from "../errors.js";
import { info, outputMode, printJson } from "../output.js";

interface StateOpts extends GlobalOpts {
  config?: string;
  stateDir?: string;
  root?: string;
}

interface ServeOpts extends StateOpts {
  host: string;
  port: string;
}

interface TokenCreateOpts extends StateOpts {
  channel?: string[];
  scope: string[];
  description?: string;
}

const collect = (v: string, p?: string[]) => [...(p ?? []), v];

function addStateOptions(cmd: Command): Command {
  return cmd
    .option("--config <file>", "server.yaml: channel access, tokens, state_dir")
    .option("--state-dir <dir>", "where tokens.json and audit.log live (default <ROOT>/.taipan-server)")
    .option(
      "--root <dir>",
      "the served directory, to find its default state dir (default: current directory)",
    );
}

/** The server's state dir as `taipan serve ROOT` with the same flags would use it. */
function stateDirOf(opts: StateOpts): string {
  return loadServerConfig({ root: opts.root ?? ".", configFile: opts.config, stateDir: opts.stateDir })
    .stateDir;
}

function scopesFrom(opts: TokenCreateOpts): Scope[] {
  const scopes: Scope[] = [];
  for (const s of opts.scope) {
    if (s === "admin") {
      scopes.push({ kind: "admin" });
      continue;
    }
    if (s !== "read" && s !== "write") {
      const parsed = parseScope(s);
      if (!parsed)
        throw new UsageError(`unknown scope '${s}'`, "Use --scope read, write or admin (or read:CHANNEL).");
      scopes.push(parsed);
      continue;
    }
    if (!opts.channel?.length)
      throw new UsageError(
        `--scope ${s} needs --channel NAME`,
        "Name the channel(s) the token may use, or '*' for all.",
      );
    for (const c of opts.channel) scopes.push({ kind: s, channel: c });
  }
  return scopes;
}

export function register(program: Command): void {
  const serve = program
    .command("serve")
    .description("Serve a directory of conda channels over HTTP, with tokens, uploads and an audit log")
    .argument("[root]", "directory holding channels as <channel>/<subdir>/...")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on (0 picks a free one)", "8000");
  addStateOptions(serve);
  addOutputOptions(serve);
  serve.action(async (rootArg: string | undefined, opts: ServeOpts) => {
    const mode = outputMode(opts);
    const root = rootArg ?? opts.root;
    if (root === undefined) throw new UsageError("taipan serve needs the ROOT directory to serve");
    const port = Number.parseInt(opts.port, 10);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`invalid port '${opts.port}'`, "Give a port number between 0 and 65535.");
    const config = loadServerConfig({ root, configFile: opts.config, stateDir: opts.stateDir });
    const server = new ChannelServer({
      root,
      config,
      onRequest: (r) => {
        if (mode.verbose > 0) info(mode, `${r.method} ${r.path} ${r.status}`);
      },
    });
    const url = await server.listen(port, opts.host);
    if (mode.json) printJson({ url, root: resolve(root), state_dir: config.stateDir });
    else process.stdout.write(`Serving ${resolve(root)} at ${url}\n`);
    info(mode, `audit log: ${config.stateDir}/audit.log; stop with Ctrl-C`);
    await new Promise<void>((done) => {
      const stop = (signal: NodeJS.Signals) => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        info(mode, `${signal}: closing connections and flushing the audit log`);
        server.close().then(done, done);
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
  });

  const token = serve.command("token").description("Manage access tokens (stored hashed in the state dir)");
  const create = token
    .command("create")
    .description("Create a token and print it once")
    .option("--channel <name>", "channel the scope applies to (repeatable; '*' for all)", collect)
    .requiredOption("--scope <scope>", "read, write or admin (repeatable)", collect)
    .option("--description <text>", "a note kept with the token");
  addStateOptions(create);
  addOutputOptions(create);
  create.action((opts: TokenCreateOpts) => {
    const mode = outputMode(opts);
    const created = createToken(stateDirOf(opts), scopesFrom(opts), opts.description);
    const scopes = created.scopes.map(formatScope);
    if (mode.json) printJson({ id: created.id, token: created.token, scopes });
    else {
      process.stdout.write(`${created.token}\n`);
      info(mode, `token ${created.id} (${scopes.join(", ")}); it is shown only this once`);
    }
  });
  const list = token.command("list").description("List tokens (ids and scopes, never the tokens)");
  addStateOptions(list);
  addOutputOptions(list);
  list.action((opts: StateOpts) => {
    const tokens = listTokens(stateDirOf(opts)).map((t) => ({
      id: t.id,
      scopes: t.scopes.map(formatScope),
      created: t.created,
      description: t.description ?? null,
    }));
    if (outputMode(opts).json) printJson(tokens);
    else for (const t of tokens) process.stdout.write(`${t.id}  ${t.scopes.join(",")}  ${t.created}\n`);
  });
  const revoke = token.command("revoke").description("Revoke a token by id").argument("<id>");
  addStateOptions(revoke);
  addOutputOptions(revoke);
  revoke.action((id: string, opts: StateOpts) => {
    if (!revokeToken(stateDirOf(opts), id))
      throw new CondaValueError(`no token with id '${id}'`, "List ids with `taipan serve token list`.");
    info(outputMode(opts), `revoked ${id}`);
  });

  const audit = serve.command("audit").description("Inspect the audit log");
  const verify = audit.command("verify").description("Check the audit log's hash chain");
  addStateOptions(verify);
  addOutputOptions(verify);
  verify.action(async (opts: StateOpts) => {
    const result = await verifyAuditLog(stateDirOf(opts));
    if (outputMode(opts).json) printJson({ ok: true, ...result });
    else process.stdout.write(`audit log intact: ${result.lines} lines, head ${result.head}\n`);
  });
}
