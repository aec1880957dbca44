/**
 * CVSS v3.x base score from a vector string ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), as
 * FIRST's specification computes it. OSV advisories usually carry only the vector, and a policy's
 * severity threshold needs a number. Returns undefined for vectors it cannot read (CVSS v2/v4).
 */
export function cvss3BaseScore(vector: string): number | undefined {
  if (!/^CVSS:3\.[01]\//.test(vector)) return undefined;
  const m = new Map<string, string>();
  for (const part of vector.split("/").slice(1)) {
    const [k, v] = part.split(":");
    if (k && v) m.set(k, v);
  }
  const scope = m.get("S");
  const av = { N: 0.85, A: 0.62, L: 0.55, P: 0.2 }[m.get("AV") ?? ""];
  const ac = { L: 0.77, H: 0.44 }[m.get("AC") ?? ""];
  const pr = (scope === "C" ? { N: 0.85, L: 0.68, H: 0.5 } : { N: 0.85, L: 0.62, H: 0.27 })[
    m.get("PR") ?? ""
  ];
  const ui = { N: 0.85, R: 0.62 }[m.get("UI") ?? ""];
  const cia = (k: string) => ({ H: 0.56, L: 0.22, N: 0 })[m.get(k) ?? ""];
  const c = cia("C");
  const i = cia("I");
  const a = cia("A");
  if ([av, ac, pr, ui, c, i, a].some((x) => x === undefined) || (scope !== "U" && scope !== "C"))
    return undefined;
  const iss = 1 - (1 - c!) * (1 - i!) * (1 - a!);
  const impact = scope === "U" ? 6.42 * iss : 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15;
  const exploitability = 8.22 * av! * ac! * pr! * ui!;
  if (impact <= 0) return 0;
  const raw =
    scope === "U" ? Math.min(impact + exploitability, 10) : Math.min(1.08 * (impact + exploitability), 10);
  return roundUp(raw);
}

/** CVSS v3.1 Roundup: the smallest one-decimal number >= x, robust to floating-point noise. */
function roundUp(x: number): number {
  const n = Math.round(x * 100_000);
  return n % 10_000 === 0 ? n / 100_000 : (Math.floor(n / 10_000) + 1) / 10;
}
