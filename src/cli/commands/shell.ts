import { basename } from "node:path";
import type { Command } from "commander";
import { TaipanError } from "../../conda/errors.js";
import {
  type ActivationOptions,
  type ActivationPlan,
  parseShell,
  planActivate,
  planDeactivate,
  planReactivate,
  type ShellName,
} from "../../env/activation.js";
import { type LoadedConfig, loadConfig } from "../../env/config.js";
import { isEnvPathArgument, resolvePrefix } from "../../env/environments.js";
import { currentInvocation, renderActivation, renderShellHook } from "../../env/shell-script.js";
import { registerShellInit } from "./shell-init.js";

interface ShellOptions {
  shell?: string;
  stack?: boolean;
}

/** The shell named by --shell, else the login shell's name, else bash. */
function chosenShell(opts: ShellOptions): ShellName {
  if (opts.shell) return parseShell(opts.shell);
  const login = basename(process.env.SHELL ?? "");
  try {
    return parseShell(login);
  } catch {
    return "bash";
  }
}

function activationOptions(
  shell: ShellName,
  opts: ShellOptions,
): ActivationOptions & { config: LoadedConfig } {
  return { env: process.env, shell, config: loadConfig(), stack: opts.stack === true };
}

function emit(plan: ActivationPlan, shell: ShellName): void {
  process.stdout.write(renderActivation(plan, shell, process.platform === "win32" ? ";" : ":"));
}

/** `taipan activate` typed without the hook cannot change the calling shell: say how to set it up. */
function needsHook(command: string): never {
  const sh = basename(process.env.SHELL ?? "bash") || "bash";
  throw new TaipanError(
    "SHELL_NOT_INITIALIZED",
    `'taipan ${command}' must run inside the taipan shell function`,
    {
      hint: `Run 'eval "$(taipan shell hook --shell ${sh})"' (add it to your shell's rc file), then 'taipan ${command}' again. To run one program in an environment, use 'taipan run -n NAME PROGRAM'.`,
      exceptionName: "CondaError",
    },
  );
}

export function register(program: Command): void {
  program
    .command("activate", { hidden: true })
    .argument("[ENV]")
    .allowUnknownOption()
    .action(() => needsHook("activate"));
  program
    .command("deactivate", { hidden: true })
    .allowUnknownOption()
    .action(() => needsHook("deactivate"));

  const shell = program
    .command("shell")
    .description("Shell integration: the hook that defines activate/deactivate");

  shell
    .command("hook")
    .description(
      "print the shell function that makes 'taipan activate' work (eval it in your shell's rc file)",
    )
    .option("-s, --shell <SHELL>", "bash, zsh, fish or powershell")
    .action((opts: ShellOptions) => {
      let hook = renderShellHook(chosenShell(opts), currentInvocation());
      // As conda's hook does, activate base when the configuration asks for it. A broken .condarc
      // must not break every new shell, so the hook is printed without it then.
      try {
        if (loadConfig().auto_activate_base) hook += "taipan activate base\n";
      } catch {
        // reported by the next taipan command that reads the configuration
      }
      process.stdout.write(hook);
    });

  registerShellInit(shell);

  // The commands below are internal: the hook's function evaluates their output in the user's shell.
  shell
    .command("activate")
    .description("print the code that activates ENV (a name or a path; default base)")
    .argument("[ENV]", "environment name or prefix path")
    .option("-s, --shell <SHELL>", "bash, zsh, fish or powershell")
    .option("--stack", "keep the current environment's PATH entries")
    .action((env: string | undefined, opts: ShellOptions) => {
      const sh = chosenShell(opts);
      const o = activationOptions(sh, opts);
      const isPath = env !== undefined && isEnvPathArgument(env);
      const prefix =
        env === undefined || env === ""
          ? o.config.root_prefix
          : isPath
            ? resolvePrefix({ prefix: env }, o.config)
            : resolvePrefix({ name: env }, o.config);
      emit(planActivate(prefix, o), sh);
    });

  shell
    .command("deactivate")
    .description("print the code that deactivates the current environment")
    .option("-s, --shell <SHELL>", "bash, zsh, fish or powershell")
    .action((opts: ShellOptions) => {
      const sh = chosenShell(opts);
      emit(planDeactivate(activationOptions(sh, opts)), sh);
    });

  shell
    .command("reactivate")
    .description("print the code that re-runs the current environment's activation")
    .option("-s, --shell <SHELL>", "bash, zsh, fish or powershell")
    .action((opts: ShellOptions) => {
      const sh = chosenShell(opts);
      emit(planReactivate(activationOptions(sh, opts)), sh);
    });
}
