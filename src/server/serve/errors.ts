import { TaipanError } from "../../conda/errors.js";

/** A problem with `server.yaml` or the server's state directory. */
export class ServerConfigError extends TaipanError {
  constructor(source: string, reason: string, hint?: string) {
    super("SERVER_CONFIG", `invalid server configuration ${source}: ${reason}`, {
      hint:
        hint ??
        "server.yaml holds `channels: {NAME: {access: public|private}}`, optional `state_dir`, `default_access`, `tokens`, `max_auth_failures`, `auth_failure_window`, `audit_max_bytes` and `trusted_proxies`.",
    });
  }
}

/** A token request (`taipan serve token create`) that cannot be honoured. */
export class TokenError extends TaipanError {
  constructor(message: string, hint: string) {
    super("SERVER_TOKEN", message, { hint });
  }
}

/** The audit log's hash chain is broken: a line was edited, removed or inserted. */
export class AuditChainError extends TaipanError {
  readonly line: number;
  constructor(file: string, line: number, reason: string) {
    super("AUDIT_CHAIN", `audit log ${file} is not intact at line ${line}: ${reason}`, {
      hint: "Lines from this one on cannot be trusted; keep the file as evidence and compare it with backups.",
    });
    this.line = line;
  }
}

/**
 * An HTTP-level refusal with a status and a JSON body `{error, message}`; thrown inside request
 * handling and turned into a response by the server.
 */
export class HttpError extends TaipanError {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(code, message);
    this.status = status;
    this.headers = headers;
  }
}

/** The server could not bind its address (port taken, privileged port, unknown host). */
export class ServerListenError extends TaipanError {
  constructor(host: string, port: number, cause: NodeJS.ErrnoException) {
    const why =
      cause.code === "EADDRINUSE"
        ? "the port is already in use"
        : cause.code === "EACCES"
          ? "permission denied (ports below 1024 need privileges)"
          : cause.code === "EADDRNOTAVAIL" || cause.code === "ENOTFOUND"
            ? "no such local address"
            : (cause.message ?? String(cause));
    super("SERVER_LISTEN", `cannot listen on ${host}:${port}: ${why}`, {
      hint: "Pick another --port (0 chooses a free one) or --host.",
      cause,
    });
  }
}
