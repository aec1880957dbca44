import { existsSync, readdirSync } from "node:fs";
import { TaipanError } from "../conda/errors.js";
import { isEnvironment } from "../env/environments.js";

export class PrefixExistsError extends TaipanError {
  constructor(prefix: string, isEnv: boolean) {
    super(
      "PREFIX_EXISTS",
      isEnv
        ? `an environment already exists at ${prefix}`
        : `the path ${prefix} exists and is not an empty directory or a conda environment`,
      {
        hint: isEnv
          ? "Pass -y to replace it, remove it with `taipan remove --all`, or choose another name."
          : "Choose another path, or empty that directory first.",
        exceptionName: "CondaValueError",
      },
    );
  }
}

/**
 * Where `create` may make an environment: a missing or empty directory, or (with `replace`, conda's
 * `-y`) an existing environment. Any other non-empty directory is never overwritten.
 */
export function checkCreateTarget(prefix: string, replace: boolean): void {
  if (!existsSync(prefix) || readdirSync(prefix).length === 0) return;
  const isEnv = isEnvironment(prefix);
  if (!isEnv || !replace) throw new PrefixExistsError(prefix, isEnv);
}
