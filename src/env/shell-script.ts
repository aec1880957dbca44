import type { ActivationPlan, ShellName } from "./activation.js";

/** Single-quotes a string for POSIX shells. */
export function quotePosix(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Single-quotes for fish, where `\` and `'` are escaped inside single quotes. */
export function quoteFish(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** Single-quotes for PowerShell, where a quote is doubled. */
export function quotePowerShell(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** Renders an activation plan as code the shell evaluates (conda's per-shell templates, in its order). */
export function renderActivation(plan: ActivationPlan, shell: ShellName, pathDelimiter = ":"): string {
  const lines: string[] = [];
  switch (shell) {
    case "bash":
    case "zsh":
    case "posix":
      for (const s of plan.deactivateScripts) lines.push(`. ${quotePosix(s)}`);
      for (const k of plan.unset) lines.push(`unset ${k}`);
      for (const [k, v] of plan.export) lines.push(`export ${k}=${quotePosix(v)}`);
      for (const s of plan.activateScripts) lines.push(`. ${quotePosix(s)}`);
      break;
    case "fish":
      for (const s of plan.deactivateScripts) lines.push(`source ${quoteFish(s)}`);
      for (const k of plan.unset) lines.push(`set -e ${k}`);
      for (const [k, v] of plan.export) {
        // fish keeps PATH as a list: one element per directory.
        if (k === "PATH")
          lines.push(`set -gx PATH ${v.split(pathDelimiter).filter(Boolean).map(quoteFish).join(" ")}`);
        else lines.push(`set -gx ${k} ${quoteFish(v)}`);
      }
      for (const s of plan.activateScripts) lines.push(`source ${quoteFish(s)}`);
      break;
    case "powershell":
      for (const s of plan.deactivateScripts) lines.push(`. ${quotePowerShell(s)}`);
      for (const k of plan.unset) lines.push(`Remove-Item -ErrorAction SilentlyContinue Env:${k}`);
      for (const [k, v] of plan.export) lines.push(`$Env:${k} = ${quotePowerShell(v)}`);
      for (const s of plan.activateScripts) lines.push(`. ${quotePowerShell(s)}`);
      break;
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

/** How the hook calls taipan back: the executable and the arguments before the command's own. */
export interface TaipanInvocation {
  exe: string;
  args: string[];
}

/**
 * The invocation for the running process: `$TAIPAN_EXE` when set (a wrapper script or the installed
 * binary), else this node with its loader flags and script path, so a hook works from a checkout too.
 */
export function currentInvocation(env: Record<string, string | undefined> = process.env): TaipanInvocation {
  if (env.TAIPAN_EXE) return { exe: env.TAIPAN_EXE, args: [] };
  return { exe: process.execPath, args: [...process.execArgv, process.argv[1] ?? ""] };
}

const COMMANDS_THAT_CHANGE_PREFIX = ["install", "update", "upgrade", "remove", "uninstall"];

function posixHook(shell: ShellName, inv: TaipanInvocation): string {
  const call = [inv.exe, ...inv.args].map(quotePosix).join(" ");
  return `# taipan shell hook (${shell}): eval "$(taipan shell hook --shell ${shell})"
__taipan_exe() {
  command ${call} "$@"
}

__taipan_activate() {
  local __taipan_cmd="$1"
  shift
  local __taipan_script
  local __taipan_old_modifier="\${CONDA_PROMPT_MODIFIER:-}"
  __taipan_script="$(__taipan_exe shell "$__taipan_cmd" --shell ${shell} "$@")" || return $?
  eval "$__taipan_script" || return $?
  # Put the environment's name in front of the prompt, replacing the previous one.
  if [ -n "\${PS1:-}" ] || [ -n "\${CONDA_PROMPT_MODIFIER:-}" ]; then
    PS1="\${CONDA_PROMPT_MODIFIER:-}\${PS1#"$__taipan_old_modifier"}"
  fi
  # Forget cached command locations: PATH changed.
  if [ -n "\${ZSH_VERSION:-}" ]; then rehash; else hash -r 2>/dev/null || true; fi
}

taipan() {
  case "\${1:-}" in
    activate|deactivate|reactivate)
      __taipan_activate "$@"
      ;;
    ${COMMANDS_THAT_CHANGE_PREFIX.join("|")})
      __taipan_exe "$@" || return $?
      # The active environment may have new activate.d scripts or variables: apply them.
      if [ -n "\${CONDA_PREFIX:-}" ] && [ "\${CONDA_SHLVL:-0}" -gt 0 ] 2>/dev/null; then
        __taipan_activate reactivate
      fi
      ;;
    *)
      __taipan_exe "$@"
      ;;
  esac
}
`;
}

function fishHook(inv: TaipanInvocation): string {
  const call = [inv.exe, ...inv.args].map(quoteFish).join(" ");
  return `# taipan shell hook (fish): taipan shell hook --shell fish | source
function __taipan_exe
    command ${call} $argv
end

function __taipan_activate
    set -l __taipan_cmd $argv[1]
    set -e argv[1]
    set -l __taipan_script (__taipan_exe shell $__taipan_cmd --shell fish $argv)
    set -l __taipan_status $status
    if test $__taipan_status -ne 0
        return $__taipan_status
    end
    string join \\n -- $__taipan_script | source
end

function taipan
    switch "$argv[1]"
        case activate deactivate reactivate
            __taipan_activate $argv
        case ${COMMANDS_THAT_CHANGE_PREFIX.join(" ")}
            __taipan_exe $argv; or return $status
            if set -q CONDA_PREFIX; and test "$CONDA_SHLVL" -gt 0 2>/dev/null
                __taipan_activate reactivate
            end
        case '*'
            __taipan_exe $argv
    end
end
`;
}

function powershellHook(inv: TaipanInvocation): string {
  const call = [inv.exe, ...inv.args].map(quotePowerShell).join(" ");
  return `# taipan shell hook (PowerShell): (& taipan shell hook --shell powershell) | Out-String | Invoke-Expression
function global:__taipan_exe {
    & ${call} @args
}

function global:__taipan_activate {
    $cmd = $args[0]
    $rest = @($args | Select-Object -Skip 1)
    $script = (& __taipan_exe shell $cmd --shell powershell @rest) -join [Environment]::NewLine
    if ($LASTEXITCODE -ne 0) { return }
    if ($script) { Invoke-Expression $script }
}

function global:taipan {
    $cmd = $args[0]
    if (@('activate', 'deactivate', 'reactivate') -contains $cmd) {
        __taipan_activate @args
    } elseif (@(${COMMANDS_THAT_CHANGE_PREFIX.map((c) => `'${c}'`).join(", ")}) -contains $cmd) {
        __taipan_exe @args
        if ($LASTEXITCODE -eq 0 -and $Env:CONDA_PREFIX -and [int]$Env:CONDA_SHLVL -gt 0) {
            __taipan_activate reactivate
        }
    } else {
        __taipan_exe @args
    }
}
`;
}

/** The code `shell hook --shell X` prints: a `taipan` function that evaluates activation in place. */
export function renderShellHook(shell: ShellName, invocation: TaipanInvocation): string {
  if (shell === "fish") return fishHook(invocation);
  if (shell === "powershell") return powershellHook(invocation);
  return posixHook(shell, invocation);
}
