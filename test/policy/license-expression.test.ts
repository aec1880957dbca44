import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { isSpdxExpression, licenseToString, parseLicense } from "../../src/policy/license-expression.js";
import { sharedData } from "../support/paths.js";

// Real `license` values from the channels in ../shared/data, and what they mean in SPDX terms.
const CASES: [string | undefined, string, boolean][] = [
  ["MIT", "MIT", true],
  ["MIT License", "MIT", true],
  ["mit", "MIT", true],
  ["BSD", "BSD-3-Clause", true],
  ["BSD 3-Clause", "BSD-3-Clause", true],
  ["3-clause BSD", "BSD-3-Clause", true],
  ["BSD_3_clause + file LICENSE", "BSD-3-Clause", true],
  ["Simplified BSD", "BSD-2-Clause", true],
  ["Modified BSD License (3-clause)", "BSD-3-Clause", true],
  ["Apache 2.0", "Apache-2.0", true],
  ["Apache Software License", "Apache-2.0", true],
  ["Apache License (== 2.0) | file LICENSE", "Apache-2.0", true],
  ["GPL (>= 2)", "GPL-2.0-or-later", true],
  ["GPL-2", "GPL-2.0-only", true],
  ["GPL-3.0-or-later", "GPL-3.0-or-later", true],
  ["gpl-3.0-OR-LATER", "GPL-3.0-or-later", true],
  ["GPL-2.0+", "GPL-2.0-or-later", true],
  ["GPLv3+", "GPL-3.0-or-later", true],
  ["GNU General Public License v2 or later (GPLv2+)", "GPL-2.0-or-later", true],
  ["LGPL version 2.1", "LGPL-2.1-only", true],
  ["GPL-2 | GPL-3", "GPL-2.0-only OR GPL-3.0-only", true],
  ["GPL-3 | file LICENSE", "GPL-3.0-only", true],
  ["MIT + file LICENSE", "MIT", true],
  ["Apache 2.0 or BSD 3-Clause, PSF 2", "(Apache-2.0 OR BSD-3-Clause) AND PSF-2.0", true],
  ["LGPLv2+ and (LGPLv2+ or MPLv1.1)", "LGPL-2.0-or-later AND (LGPL-2.0-or-later OR MPL-1.1)", true],
  ["Apache-2.0 WITH LLVM-exception", "Apache-2.0 WITH LLVM-exception", true],
  ["GPL-3.0-or-later with GCC-exception-3.1", "GPL-3.0-or-later WITH GCC-exception-3.1", true],
  ["perl_5", "Artistic-1.0-Perl OR GPL-1.0-or-later", true],
  ["SIL Open Font License, Version 1.1", "OFL-1.1", true],
  ["Public Domain", "LicenseRef-Public-Domain", false],
  ["Custom free software license", "Custom free software license", false],
  ["proprietary - Intel", "proprietary - Intel", false],
];

describe("parseLicense: conda's free-form license fields as SPDX expressions", () => {
  for (const [text, want, spdx] of CASES) {
    it(`${JSON.stringify(text)} → ${want}`, () => {
      const x = parseLicense(text);
      assert.equal(licenseToString(x), want);
      assert.equal(isSpdxExpression(x), spdx);
    });
  }

  it("reads missing and content-free licenses as unknown", () => {
    for (const t of [
      undefined,
      null,
      "",
      "unknown",
      "Unknown",
      "Various",
      "file LICENSE",
      "file LICENSE (FOSS)",
    ])
      assert.equal(parseLicense(t).kind, "unknown", String(t));
  });

  it("parses every license string in the shared channels without throwing", () => {
    const root = sharedData("channels");
    const seen = new Set<string>();
    for (const ch of readdirSync(root))
      for (const sub of readdirSync(join(root, ch))) {
        const doc = JSON.parse(readFileSync(join(root, ch, sub, "repodata.json"), "utf8"));
        for (const key of ["packages", "packages.conda"])
          for (const r of Object.values<{ license?: string }>(doc[key] ?? {}))
            if (typeof r.license === "string") seen.add(r.license);
      }
    assert.ok(seen.size > 150, `${seen.size} distinct licenses`);
    let spdx = 0;
    for (const l of seen) {
      const x = parseLicense(l);
      assert.ok(licenseToString(x).length > 0, l);
      if (isSpdxExpression(x)) spdx++;
    }
    // Most real spellings map to SPDX ids; the rest keep their text.
    assert.ok(spdx / seen.size > 0.6, `${spdx} of ${seen.size} read as SPDX`);
  });
});
