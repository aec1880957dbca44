// Generates a conda-forge-sized repodata.json (for bench/repodata.ts): deterministic, realistic
// shapes (depends lists, hashes, .conda + .tar.bz2 twins, noarch python records).

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(r: () => number, len: number): string {
  let s = "";
  while (s.length < len)
    s += Math.floor(r() * 0x100000000)
      .toString(16)
      .padStart(8, "0");
  return s.slice(0, len);
}

/**
 * Returns repodata.json bytes with about `records` entries. `indent` follows conda-index
 * (which pretty-prints); 0 writes compact JSON.
 */
export function syntheticRepodata(records: number, subdir = "linux-64", indent = 1, seed = 42): Buffer {
  const r = rng(seed);
  const nNames = Math.max(1, Math.round(records / 18));
  const names: string[] = [];
  for (let k = 0; k < nNames; k++) names.push(`pkg-${hex(r, 6)}${k % 7 === 0 ? "-python" : ""}`);
  const packages: Record<string, unknown> = {};
  const conda: Record<string, unknown> = {};
  let made = 0;
  let k = 0;
  while (made < records) {
    const name = names[k % nNames];
    const version = `${1 + (k % 5)}.${Math.floor(k / nNames) % 30}.${k % 11}`;
    const bn = k % 4;
    const build = `py${310 + (k % 3)}h${hex(r, 7)}_${bn}`;
    const nDeps = 2 + Math.floor(r() * 9);
    const depends: string[] = [];
    for (let d = 0; d < nDeps; d++) {
      const dn = names[Math.floor(r() * nNames)];
      depends.push(d % 3 === 0 ? dn : `${dn} >=${1 + (d % 4)}.${d},<${2 + (d % 4)}.0a0`);
    }
    depends.push("libgcc-ng >=12", "python >=3.10,<3.11.0a0", "python_abi 3.10.* *_cp310");
    const rec: Record<string, unknown> = {
      build,
      build_number: bn,
      constrains: k % 5 === 0 ? [`${names[(k + 1) % nNames]} >=1.2`] : undefined,
      depends,
      license: "BSD-3-Clause",
      license_family: "BSD",
      md5: hex(r, 32),
      name,
      sha256: hex(r, 64),
      size: Math.floor(r() * 5e6),
      subdir,
      timestamp: 1600000000000 + Math.floor(r() * 1e11),
      version,
    };
    const stem = `${name}-${version}-${build}`;
    if (k % 3 === 0) {
      // a .tar.bz2 with a .conda twin (counted once by readers)
      packages[`${stem}.tar.bz2`] = rec;
      conda[`${stem}.conda`] = { ...rec, size: (rec.size as number) >> 1 };
      made += 2;
    } else if (k % 3 === 1) {
      packages[`${stem}.tar.bz2`] = rec;
      made++;
    } else {
      conda[`${stem}.conda`] = rec;
      made++;
    }
    k++;
  }
  // conda-index writes keys sorted, so one name's records sit next to each other.
  const sorted = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
  const doc = {
    info: { subdir },
    packages: sorted(packages),
    "packages.conda": sorted(conda),
    removed: [],
    repodata_version: 1,
  };
  return Buffer.from(JSON.stringify(doc, null, indent || undefined));
}
