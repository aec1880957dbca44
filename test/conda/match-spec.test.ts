import assert from "node:assert/strict";
import { test } from "node:test";
import { ParseError } from "../../src/conda/errors.js";
import { IncompatibleSpecsError, MatchSpec, type MatchSpecFields } from "../../src/conda/match-spec.js";
import { PackageRecord } from "../../src/conda/package-record.js";

function rec(fields: Record<string, unknown>): PackageRecord {
  return PackageRecord.fromJson({ build_number: 0, build: "0", ...fields }, { fn: "test.conda" });
}

/** conda's test DPkg: a record from a dist string `name-version-build` whose build number ends the build. */
function dpkg(dist: string, extra: Record<string, unknown> = {}): PackageRecord {
  const [name, version, build] = dist.replace(/\.tar\.bz2$/, "").split(/-(?=[^-]+-[^-]+$)|-(?=[^-]+$)/);
  const bn = Number.parseInt(build.slice(build.lastIndexOf("_") + 1), 10);
  return rec({ name, version, build, build_number: bn, subdir: "linux-64", md5: "012345789", ...extra });
}

// conda tests/models/test_match_spec.py::test_canonical_string_forms (and neighbours): input → str(MatchSpec).
const CANONICAL: [string, string][] = [
  ["numpy", "numpy"],
  ["numpy=1.7", "numpy=1.7"],
  ["numpy 1.7*", "numpy=1.7"],
  ["numpy 1.7.*", "numpy=1.7"],
  ["numpy[version='1.7*']", "numpy=1.7"],
  ["numpy[version='1.7.*']", "numpy=1.7"],
  ["numpy[version=1.7.*]", "numpy=1.7"],
  ["numpy==1.7", "numpy==1.7"],
  ["numpy[version='1.7']", "numpy==1.7"],
  ["numpy[version=1.7]", "numpy==1.7"],
  ["numpy 1.7", "numpy==1.7"],
  ["numpy[version='1.7|1.8']", "numpy[version='1.7|1.8']"],
  ['numpy[version="1.7,1.8"]', "numpy[version='1.7,1.8']"],
  ["numpy >1.7", "numpy[version='>1.7']"],
  ["numpy>=1.7", "numpy[version='>=1.7']"],
  ["numpy=1.7=py3*_2", "numpy==1.7[build=py3*_2]"],
  ["numpy=1.7.*=py3*_2", "numpy=1.7[build=py3*_2]"],
  ["https://repo.anaconda.com/pkgs/free::numpy", "pkgs/free::numpy"],
  ["numpy[channel=https://repo.anaconda.com/pkgs/free]", "pkgs/free::numpy"],
  ["defaults::numpy", "defaults::numpy"],
  ["numpy[channel=defaults]", "defaults::numpy"],
  ["conda-forge::numpy", "conda-forge::numpy"],
  ["numpy[channel=conda-forge]", "conda-forge::numpy"],
  ["numpy[channel=defaults,subdir=osx-64]", "defaults/osx-64::numpy"],
  ["numpy[channel=https://repo.anaconda.com/pkgs/free/osx-64, subdir=linux-64]", "pkgs/free/linux-64::numpy"],
  ["https://repo.anaconda.com/pkgs/free/win-32::numpy", "pkgs/free/win-32::numpy"],
  ["numpy[channel=https://repo.anaconda.com/pkgs/free/osx-64]", "pkgs/free/osx-64::numpy"],
  ["defaults/win-32::numpy", "defaults/win-32::numpy"],
  ["conda-forge/linux-64::numpy", "conda-forge/linux-64::numpy"],
  ["numpy[channel=conda-forge,subdir=noarch]", "conda-forge/noarch::numpy"],
  ["numpy[subdir=win-32]", "numpy[subdir=win-32]"],
  ["*/win-32::numpy", "numpy[subdir=win-32]"],
  ['*/win-32::numpy[subdir="osx-64"]', "numpy[subdir=osx-64]"],
  ["https://repo.anaconda.com/pkgs/free/linux-32::numpy", "pkgs/free/linux-32::numpy"],
  ["numpy=1.10=py38_0", "numpy==1.10=py38_0"],
  ["numpy==1.10=py38_0", "numpy==1.10=py38_0"],
  ["numpy[version=1.10 build=py38_0]", "numpy==1.10=py38_0"],
  ["numpy!=1.10", "numpy!=1.10"],
  ["numpy !=1.10", "numpy!=1.10"],
  ["numpy!=1.10 py38_0", "numpy[version='!=1.10',build=py38_0]"],
  ["numpy !=1.10 py38_0", "numpy[version='!=1.10',build=py38_0]"],
  ["numpy!=1.10=py38_0", "numpy[version='!=1.10',build=py38_0]"],
  ["numpy !=1.10=py38_0", "numpy[version='!=1.10',build=py38_0]"],
  ["numpy >1.7,!=1.10 py38_0", "numpy[version='>1.7,!=1.10',build=py38_0]"],
  ["numpy!=1.10.*", "numpy!=1.10.*"],
  ["numpy!=1.10,!=1.11", "numpy[version='!=1.10,!=1.11']"],
  ["numpy=1.10.*,!=1.10.2", "numpy[version='=1.10.*,!=1.10.2']"],
  ["numpy ~=1.10.1", "numpy~=1.10.1"],
  ["numpy~=1.10.1", "numpy~=1.10.1"],
  ["numpy ~=1.10.1 py38_0", "numpy[version='~=1.10.1',build=py38_0]"],
  ["openssl=1.1.1_", "openssl=1.1.1_"],
  ["openssl>=1.1.1_,!=1.1.1c", "openssl[version='>=1.1.1_,!=1.1.1c']"],
  // test_version_wildcard_serialization
  ["name[version=*,build=*py27*]", "name[build=*py27*]"],
  ["name[version=*]", "name"],
  ["conda-forge::name[version=*]", "conda-forge::name"],
  ["name[version=1.2.*,build=*py27*]", "name=1.2[build=*py27*]"],
  ["name[version=1.*]", "name=1"],
  ["name[version=*,build_number=3]", "name[build_number=3]"],
  // legacy features, tarballs, channels
  ["mkl@", "*[track_features=mkl]"],
  [
    "https://conda.anaconda.org/conda-canary/linux-64/conda-4.3.21.post699+1dab973-py36h4a561cd_0.tar.bz2",
    "conda-canary/linux-64::conda==4.3.21.post699+1dab973=py36h4a561cd_0",
  ],
  [
    "conda-canary/linux-64::conda==4.3.21.post699+1dab973=py36h4a561cd_0",
    "conda-canary/linux-64::conda==4.3.21.post699+1dab973=py36h4a561cd_0",
  ],
  [
    "https://conda.anaconda.org/conda-canary/conda-4.3.21.post699+1dab973-py36h4a561cd_0.tar.bz2",
    "*[url=https://conda.anaconda.org/conda-canary/conda-4.3.21.post699+1dab973-py36h4a561cd_0.tar.bz2]",
  ],
  [
    "file:///var/folders/cp/7r2s_s593j7_cpdtxxsmct880000gp/T/edfc ñçêáôß/flask-0.10.1-py35_2.tar.bz2",
    "*[url='file:///var/folders/cp/7r2s_s593j7_cpdtxxsmct880000gp/T/edfc ñçêáôß/flask-0.10.1-py35_2.tar.bz2']",
  ],
  ["/some/file/on/disk/package-1.2.3-2.tar.bz2", "*[url=file:///some/file/on/disk/package-1.2.3-2.tar.bz2]"],
  ["pkgs/main::*", "pkgs/main::*"],
  ["defaults::*", "defaults::*"],
  // test_simple, test_pip_style
  ["python", "python"],
  ["python=2.6", "python=2.6"],
  ["python=2.6*", "python=2.6"],
  ["ipython=0.13.2", "ipython=0.13.2"],
  ["ipython=0.13.0", "ipython=0.13.0"],
  ["ipython==0.13.0", "ipython==0.13.0"],
  ["foo=1.3.0=3", "foo==1.3.0=3"],
  ["foo>=1.3", "foo[version='>=1.3']"],
  ["zope.int>=1.3,<3.0", "zope.int[version='>=1.3,<3.0']"],
  ["numpy >=1.9", "numpy[version='>=1.9']"],
  // regressions: conda issues 15123, 13932
  ['numpy[version="=2"]', "numpy=2"],
  ["awscli==2.15.37", "awscli==2.15.37"],
  ["awscli==2.15.37=wghq", "awscli==2.15.37=wghq"],
  // repodata v3 keys (test_conditional_specs, test_extra_specs, test_flags_specs)
  ["python[when=__win]", "python[when=__win]"],
  ["python 2.* *cpython*[when=__win]", "python=2[build=*cpython*,when=__win]"],
  ["python[version=2,when=__win]", "python==2[when=__win]"],
  ["python [when='__win']", "python[when=__win]"],
  ['python [when="__win"]', "python[when=__win]"],
  ["python[extras=group1]", "python[extras=['group1']]"],
  ["python[extras=[group1]]", "python[extras=['group1']]"],
  ["python[extras=[a, 'b']]", "python[extras=['a', 'b']]"],
  ["python[extras=['a' , 'b']]", "python[extras=['a', 'b']]"],
  ["pkg[extras=[b,a]]", "pkg[extras=['a', 'b']]"],
  ["python[flags=[cpu,blas:*]]", "python[flags=['blas:*', 'cpu']]"],
  // others
  ["*[license_family='LGPL']", "*[license_family=lgpl]"],
  ["conda-forge::foo[build=3](target=blarg,optional)", "conda-forge::foo[build=3]"],
  ["foo # comment", "foo"],
  ["foo ## comment", "foo"],
  ["NumPy>=1", "numpy[version='>=1']"],
  ["numpy[version<2]", "numpy[version='<2']"],
  ["numpy=", "numpy"],
  ["numpy[build_number='>=7']", "numpy[build_number='>=7']"],
  ["numpy[build_number=07]", "numpy[build_number=7]"],
  ["*[md5=12345678901234567890123456789012]", "*[md5=12345678901234567890123456789012]"],
  ["numpy[track_features='mkl debug']", "numpy[track_features='debug mkl']"],
];

test("canonical string forms match conda's str(MatchSpec)", () => {
  for (const [input, printed] of CANONICAL) {
    const spec = MatchSpec.parse(input);
    assert.equal(spec.toString(), printed, input);
    // The canonical form parses back to the same spec.
    assert.equal(MatchSpec.parse(printed).toString(), printed, `re-parse ${printed}`);
  }
});

// conda _parse_spec_str vectors: input → the fields it produces.
const FIELDS: [string, MatchSpecFields][] = [
  ["numpy", { name: "numpy" }],
  ["numpy=", { name: "numpy" }],
  ["defaults::numpy", { name: "numpy", channel: "defaults" }],
  ["https://repo.anaconda.com/pkgs/free::numpy", { name: "numpy", channel: "pkgs/free" }],
  ["defaults::numpy=1.8", { name: "numpy", channel: "defaults", version: "1.8*" }],
  ["defaults::numpy =1.8", { name: "numpy", channel: "defaults", version: "1.8*" }],
  ["defaults::numpy=1.8=py27_0", { name: "numpy", channel: "defaults", version: "1.8", build: "py27_0" }],
  ["defaults::numpy 1.8 py27_0", { name: "numpy", channel: "defaults", version: "1.8", build: "py27_0" }],
  ["defaults::numpy[channel=anaconda]", { name: "numpy", channel: "anaconda" }],
  [
    "defaults::numpy 1.8 py27_0[channel=anaconda]",
    { name: "numpy", channel: "anaconda", version: "1.8", build: "py27_0" },
  ],
  [
    "defaults::numpy=1.8=py27_0 [channel=anaconda,version=1.9, build=3]",
    { name: "numpy", channel: "anaconda", version: "1.9", build: "3" },
  ],
  [
    "defaults::numpy=1.8=py27_0 [channel='anaconda',version=\">=1.8,<2|1.9\", build='3']",
    { name: "numpy", channel: "anaconda", version: ">=1.8,<2|1.9", build: "3" },
  ],
  [
    "tensorflow[name=* version=* md5=253b922ecdb5a30884875948b8904983]",
    { name: "tensorflow", version: "*", md5: "253b922ecdb5a30884875948b8904983" },
  ],
  ["tensorflow[name=pytorch]", { name: "tensorflow" }],
  ["* 2.7.4", { name: "*", version: "2.7.4" }],
  ["* >=1.3 2", { name: "*", version: ">=1.3", build: "2" }],
  ["numpy==1.7", { name: "numpy", version: "1.7" }],
  ["numpy ==1.7", { name: "numpy", version: "1.7" }],
  ["numpy=1.7", { name: "numpy", version: "1.7*" }],
  ["numpy =1.7", { name: "numpy", version: "1.7*" }],
  ["numpy !=1.7", { name: "numpy", version: "!=1.7" }],
  ["numpy~=1.7.1", { name: "numpy", version: "~=1.7.1" }],
  ["numpy>1.8,<2|==1.7", { name: "numpy", version: ">1.8,<2|==1.7" }],
  [
    "numpy >1.8,<2|==1.7,!=1.9,~=1.7.1 py34_0",
    { name: "numpy", version: ">1.8,<2|==1.7,!=1.9,~=1.7.1", build: "py34_0" },
  ],
  ["*>1.8,<2|==1.7", { name: "*", version: ">1.8,<2|==1.7" }],
  ["* >1.8,<2|==1.7", { name: "*", version: ">1.8,<2|==1.7" }],
  ["* 1 *", { name: "*", version: "1", build: "*" }],
  ["* * openblas_0", { name: "*", version: "*", build: "openblas_0" }],
  ["* * *", { name: "*", version: "*", build: "*" }],
  ["* *", { name: "*", version: "*" }],
  ["conda-forge::foo>=1.0", { name: "foo", channel: "conda-forge", version: ">=1.0" }],
  [
    "conda-forge/linux-32::foo>=1.0",
    { name: "foo", channel: "conda-forge", subdir: "linux-32", version: ">=1.0" },
  ],
  ["*/linux-32::foo>=1.0", { name: "foo", channel: "*", subdir: "linux-32", version: ">=1.0" }],
  ["conda-forge::foo[build=3](target=blarg,optional)", { name: "foo", channel: "conda-forge", build: "3" }],
  ["python[build_number=3]", { name: "python", build_number: "3" }],
  ["python[build_number='>3']", { name: "python", build_number: ">3" }],
  ["python[build_number='<=3']", { name: "python", build_number: "<=3" }],
  ["foo >=1.0 , < 2.0 py34_0", { name: "foo", version: ">=1.0,<2.0", build: "py34_0" }],
  [
    "https://repo.anaconda.com/pkgs/main/linux-64/_license-1.1-py27_1.tar.bz2",
    {
      channel: "defaults",
      subdir: "linux-64",
      name: "_license",
      version: "1.1",
      build: "py27_1",
      fn: "_license-1.1-py27_1.tar.bz2",
      url: "https://repo.anaconda.com/pkgs/main/linux-64/_license-1.1-py27_1.tar.bz2",
    },
  ],
  [
    "https://conda.anaconda.org/conda-canary/linux-64/conda-4.3.21.post699+1dab973-py36h4a561cd_0.conda",
    {
      channel: "conda-canary",
      subdir: "linux-64",
      name: "conda",
      version: "4.3.21.post699+1dab973",
      build: "py36h4a561cd_0",
      fn: "conda-4.3.21.post699+1dab973-py36h4a561cd_0.conda",
      url: "https://conda.anaconda.org/conda-canary/linux-64/conda-4.3.21.post699+1dab973-py36h4a561cd_0.conda",
    },
  ],
  [
    "pkg[when='(__unix and python[version=\">=3.10\"])']",
    { name: "pkg", when: '(__unix and python[version=">=3.10"])' },
  ],
  [
    "pkg[when=python[version='>=2'], extras=[a], flags=[cpu, gpu]]",
    { name: "pkg", when: "python[version='>=2']", extras: ["a"], flags: ["cpu", "gpu"] },
  ],
  ["pkg[extras=[a,]]", { name: "pkg", extras: ["a"] }],
  ["package[extras=[a b]]", { name: "package", extras: ["a b"] }],
  ["pkg[when='pandoc >=2.0']", { name: "pkg", when: "pandoc >=2.0" }],
];

test("parsed fields match conda's _parse_spec_str", () => {
  for (const [input, fields] of FIELDS) {
    assert.deepEqual({ ...MatchSpec.parse(input).fields }, fields, input);
  }
});

test("percent-encoded package URLs parse as their decoded file name (conda / mamba issue 3737)", () => {
  const a = MatchSpec.parse("https://anaconda.org/conda-forge/linux-64/x264-1%21164.3095-h166bdaf_2.tar.bz2");
  const b = MatchSpec.parse("https://anaconda.org/conda-forge/linux-64/x264-1!164.3095-h166bdaf_2.tar.bz2");
  assert.equal(a.version?.toString(), b.version?.toString());
  assert.equal(a.version?.toString(), "1!164.3095");
});

test("conda's test_match_1 against numpy-1.7.1-py27_0", () => {
  const numpy = dpkg("numpy-1.7.1-py27_0.tar.bz2");
  const cases: [string, boolean][] = [
    ["numpy 1.7*", true],
    ["numpy 1.7.1", true],
    ["numpy 1.7", false],
    ["numpy 1.5*", false],
    ["numpy >=1.5", true],
    ["numpy >=1.5,<2", true],
    ["numpy >=1.8,<1.9", false],
    ["numpy >1.5,<2,!=1.7.1", false],
    ["numpy >1.8,<2|==1.7", false],
    ["numpy >1.8,<2|>=1.7.1", true],
    ["numpy >=1.8|1.7*", true],
    ["numpy ==1.7", false],
    ["numpy >=1.5,>1.6", true],
    ["numpy ==1.7.1", true],
    ["numpy ==1.7.1.0", true],
    ["numpy==1.7.1.0.0", true],
    ["numpy >=1,*.7.*", true],
    ["numpy *.7.*,>=1", true],
    ["numpy >=1,*.8.*", false],
    ["numpy >=2,*.7.*", false],
    ["numpy 1.6*|1.7*", true],
    ["numpy 1.6*|1.8*", false],
    ["numpy 1.6.2|1.7*", true],
    ["numpy 1.6.2|1.7.1", true],
    ["numpy 1.6.2|1.7.0", false],
    ["numpy 1.7.1 py27_0", true],
    ["numpy 1.7.1 py26_0", false],
    ["numpy >1.7.1a", true],
    ["python", false],
    // the rule: `name 1.7` is exact, `name=1.7` is fuzzy
    ["numpy=1.7", true],
    ["numpy[build_number=0]", true],
    ["numpy[build_number='>=1']", false],
    ["numpy[subdir=linux-64]", true],
    ["numpy[subdir=linux-*]", false], // subdir is an exact-string field in conda
    ["numpy[md5=012345789]", true],
    ["numpy[fn='numpy-1.7.1-py27_0.tar.bz2']", false],
    ["num*", true],
    ["NUMPY", true],
    ["*", true],
    ["numpy[build=^py2[0-9]_0$]", true],
    ["numpy * *_0", true],
    ["numpy * *_1", false],
  ];
  for (const [spec, want] of cases) assert.equal(MatchSpec.parse(spec).matches(numpy), want, spec);

  // PEP 440 and non-PEP 440 mixes
  assert.ok(!MatchSpec.parse("numpy >=1.0.1").matches(dpkg("numpy-1.0.1a-0")));
  assert.ok(!MatchSpec.parse("numpy >=1.0.1.vc11").matches(dpkg("numpy-1.0.1a.vc11-0")));
  assert.ok(MatchSpec.parse("numpy >=1.0.1*.vc11").matches(dpkg("numpy-1.0.1a.vc11-0")));
  assert.ok(MatchSpec.parse("numpy <1.0.1").matches(dpkg("numpy-1.0.1.vc11-0")));
  assert.ok(MatchSpec.parse("numpy <1.0.1").matches(dpkg("numpy-1.0.1a.vc11-0")));
  assert.ok(!MatchSpec.parse("numpy >=1.0.1.vc11").matches(dpkg("numpy-1.0.1a-0")));
  assert.ok(MatchSpec.parse("numpy >=1.0.1a").matches(dpkg("numpy-1.0.1z-0")));
  assert.ok(MatchSpec.parse("numpy >=1.0.1a py27*").matches(dpkg("numpy-1.0.1z-py27_1")));
  assert.ok(MatchSpec.parse("blas * openblas_0").matches(dpkg("blas-1.0-openblas_0")));
  assert.ok(MatchSpec.parse("openssl>=1.0.1_").matches(dpkg("openssl-1.0.1_-4")));
  assert.ok(!MatchSpec.parse("openssl>=1.0.1").matches(dpkg("openssl-1.0.1_-4")));
});

test("bracket, license and build-glob matching (test_bracket_matches, test_license_match, test_build_glob_merge)", () => {
  const numpy = rec({
    name: "numpy",
    version: "1.11.0",
    build: "py34_7",
    build_number: 7,
    license: "LGPLv3+",
    license_family: "LGPL",
  });
  const cases: [string, boolean][] = [
    ["numpy<2", true],
    ["numpy[version<2]", true],
    ["numpy[version=<2]", true],
    ["numpy>2", false],
    ["numpy[version='>2']", false],
    ["numpy[build_number='7']", true],
    ["numpy[build_number='<8']", true],
    ["numpy[build_number='>7']", false],
    ["numpy[build_number='>=7']", true],
    ["numpy ~=1.10", true],
    ["numpy~=1.10", true],
    ["*[license_family='LGPL']", true],
    ["*[license_family='lgpl']", true],
    ["*[license_family='*GP*']", true],
    ["*[license_family='*gp*']", true],
    ["*[license_family='*GPL*']", true],
    ["*[license='*gpl*']", true],
    ["*[license='*v3+']", true],
    ["*[license='MIT']", false],
  ];
  for (const [spec, want] of cases) assert.equal(MatchSpec.parse(spec).matches(numpy), want, spec);

  const red = rec({ name: "my_pkg", version: "1.17.3", build: "red_habc123_3", build_number: 3 });
  const blue = rec({ name: "my_pkg", version: "1.17.3", build: "blue_hdef1234_3", build_number: 3 });
  const builds: [string, boolean, boolean][] = [
    ["my_pkg=1.17.*", true, true],
    ["my_pkg=1.17.*=red_*", true, false],
    ["my_pkg=1.17.*=blue_*", false, true],
    ["my_pkg=1.17.*=blue_hdef1234_*", false, true],
    ["my_pkg=1.17.*=red_habc123_3", true, false],
    ["my_pkg=1.17.*=*red*", true, false],
    ["my_pkg=1.17.*=*_3", true, true],
    ["my_pkg=1.17.*=*_habc123_3", true, false],
  ];
  for (const [spec, r, b] of builds) {
    assert.equal(MatchSpec.parse(spec).matches(red), r, `${spec} red`);
    assert.equal(MatchSpec.parse(spec).matches(blue), b, `${spec} blue`);
  }
});

test("track_features and features must equal the record's set (test_track_features_match)", () => {
  const base = { name: "foo", version: "1.2.3", build: "4", build_number: 4 };
  const tf = (v: string) => rec({ ...base, track_features: v });
  const a = MatchSpec.fromFields({ track_features: "test" });
  assert.ok(a.matches(tf("test")));
  assert.ok(!a.matches(tf("test2")));
  assert.ok(!a.matches(tf("test me")));
  assert.ok(!a.matches(tf("you test me")));
  assert.deepEqual(a.trackFeatures, ["test"]);
  const f = MatchSpec.fromFields({ features: "test" });
  assert.equal(f.toString(), "*[features=test]");
  assert.ok(!f.matches(rec(base)));
  assert.ok(!MatchSpec.fromFields({ track_features: "mkl" }).matches(tf("mkl debug")));
  assert.deepEqual(MatchSpec.fromFields({ track_features: " " }).trackFeatures, []);
  assert.deepEqual(MatchSpec.fromFields({ track_features: ["", "", "test"] }).trackFeatures, ["test"]);
  assert.equal(MatchSpec.fromFields({ track_features: "mkl" }).toString(), "*[track_features=mkl]");
});

test("channel matching (test_channel_matching)", () => {
  const r = (channel: string) => rec({ name: "numpy", version: "1.0", channel });
  assert.ok(!MatchSpec.parse("pkgs/main::numpy").matches(r("defaults")));
  assert.ok(MatchSpec.parse("defaults::numpy").matches(r("pkgs/main")));
  assert.ok(MatchSpec.parse("defaults::numpy").matches(r("https://repo.anaconda.com/pkgs/main")));
  assert.ok(!MatchSpec.parse("numpy[channel=https://repo.anaconda.com/pkgs/main]").matches(r("defaults")));
  assert.ok(
    MatchSpec.parse("numpy[channel=https://conda.anaconda.org/conda-forge]").matches(r("conda-forge")),
  );
  assert.ok(MatchSpec.parse("conda-forge::numpy").matches(r("https://conda.anaconda.org/conda-forge")));
  assert.ok(
    MatchSpec.parse("conda-forge::numpy").matches(r("https://conda.anaconda.org/conda-forge/linux-64")),
  );
  assert.ok(!MatchSpec.parse("pkgs/main::numpy").matches(r("conda-forge")));
  assert.ok(MatchSpec.parse("numpy[channel=conda-*]").matches(r("conda-forge")));
  assert.ok(!MatchSpec.parse("numpy[channel=*-adnoc]").matches(r("conda-forge")));
  assert.ok(
    MatchSpec.parse("*/linux-64::numpy").matches(rec({ name: "numpy", version: "1", subdir: "linux-64" })),
  );
  assert.equal(MatchSpec.parse("conda-forge/linux-64::numpy").channel, "conda-forge");
  assert.equal(MatchSpec.parse("conda-forge/linux-64::numpy").subdir, "linux-64");
  // the channel as written stays available for resolution against .condarc (channel_alias etc.)
  assert.equal(
    MatchSpec.parse("https://conda.anaconda.org/conda-forge/linux-64::numpy").channel,
    "conda-forge",
  );
  assert.equal(
    MatchSpec.parse("https://conda.anaconda.org/conda-forge/linux-64::numpy").channelSource,
    "https://conda.anaconda.org/conda-forge/linux-64",
  );
  assert.equal(
    MatchSpec.parse("numpy[channel='conda-forge/label/dev']").channelSource,
    "conda-forge/label/dev",
  );
  assert.equal(MatchSpec.parse("numpy").channelSource, undefined);
  assert.equal(
    MatchSpec.parse("https://repo.anaconda.com/pkgs/main/linux-64/_license-1.1-py27_1.tar.bz2").channelSource,
    "https://repo.anaconda.com/pkgs/main",
  );
});

test("package URL specs match the record with that url", () => {
  const url =
    "https://conda.anaconda.org/conda-canary/linux-64/conda-4.3.21.post699+1dab973-py36h4a561cd_0.tar.bz2";
  const r = rec({
    name: "conda",
    version: "4.3.21.post699+1dab973",
    build: "py36h4a561cd_0",
    subdir: "linux-64",
    channel: "https://conda.anaconda.org/conda-canary",
    url,
    fn: "conda-4.3.21.post699+1dab973-py36h4a561cd_0.tar.bz2",
  });
  r.fn = "conda-4.3.21.post699+1dab973-py36h4a561cd_0.tar.bz2";
  assert.ok(MatchSpec.parse(url).matches(r));
  assert.ok(MatchSpec.fromFields({ url }).matches(r));
  assert.ok(!MatchSpec.fromFields({ url, md5: "1234" }).matches(r));
  r.md5 = "1234";
  assert.ok(MatchSpec.fromFields({ url, md5: "1234" }).matches(r));
  assert.equal(MatchSpec.fromFields({ url, md5: "1234" }).md5, "1234");
});

test("exact values and the name property (test_exact_values)", () => {
  assert.equal(MatchSpec.parse("*").name, "*");
  assert.equal(MatchSpec.parse("numpy").name, "numpy");
  assert.equal(MatchSpec.parse("py*").name, "*");
  assert.equal(MatchSpec.parse("py*").namePattern, "py*");
  assert.equal(MatchSpec.parse("numpy=1.7").version?.exactValue, undefined);
  assert.equal(MatchSpec.parse("numpy==1.7").version?.exactValue, "1.7");
  assert.equal(MatchSpec.parse("numpy[version=1.7]").version?.exactValue, "1.7");
  assert.equal(MatchSpec.parse("numpy=1.7=py3*_2").version?.exactValue, "1.7");
  assert.equal(MatchSpec.parse("numpy=1.7=py3*_2").buildMatcher?.exactValue, undefined);
  assert.equal(MatchSpec.parse("numpy=1.7.*=py37_2").version?.exactValue, undefined);
  assert.equal(MatchSpec.parse("numpy=1.7.*=py37_2").buildMatcher?.exactValue, "py37_2");
  assert.equal(MatchSpec.parse("zlib 1.2.7 0").build, "0");
  assert.ok(MatchSpec.parse("blas").isNameOnly);
  assert.ok(!MatchSpec.parse("blas 1.0").isNameOnly);
  assert.ok(!MatchSpec.parse("*").isNameOnly);
  assert.equal(MatchSpec.parse("numpy[build_number='>=7']").buildNumber?.toString(), ">=7");
  const d = MatchSpec.parse("python 2.7.4");
  assert.ok(d.equals(MatchSpec.fromFields({ name: "python", version: "2.7.4" })));
  assert.ok(!d.equals(MatchSpec.parse("python")));
  assert.equal(MatchSpec.parse("python[when=__win]").when, "__win");
  assert.deepEqual(MatchSpec.parse("python[flags=[cpu,blas:*]]").flags, ["cpu", "blas:*"]);
});

test("merge (test_merge_single_name and neighbours)", () => {
  const one = MatchSpec.merge(["exact", "exact 1.2.3 1", "exact >1.0,<2"]);
  assert.equal(one.length, 1);
  assert.equal(one[0].toString(), "exact[version='1.2.3,>1.0,<2',build=1]");
  assert.ok(one[0].matches(rec({ name: "exact", version: "1.2.3", build: "1", build_number: 1 })));
  assert.ok(!one[0].matches(rec({ name: "exact", version: "1.2.2", build: "1", build_number: 1 })));
  assert.throws(() => MatchSpec.merge(["exact 1.2.3 1", "exact 1.2.3 2"]), IncompatibleSpecsError);
  assert.equal(MatchSpec.merge(["exact 1.2.3 1"])[0].toString(), "exact==1.2.3=1");

  const two = MatchSpec.merge([
    "exact",
    "exact 1.2.3 1",
    "bounded >=1.0,<2.0",
    "bounded >=1.5",
    "bounded <=1.8",
    "exact >1.0,<2",
  ]);
  assert.equal(two.length, 2);
  const bounded = two.find((s) => s.name === "bounded") as MatchSpec;
  assert.equal(bounded.toString(), "bounded[version='<=1.8,>=1.0,<2.0,>=1.5']");
  assert.ok(bounded.matches(rec({ name: "bounded", version: "1.5" })));
  assert.ok(!bounded.matches(rec({ name: "bounded", version: "2" })));

  assert.throws(() => MatchSpec.merge(["pkgs/main::python", "defaults::python"]), IncompatibleSpecsError);
  assert.equal(
    MatchSpec.merge(["defaults::python", "defaults::python 1.2.3"])[0].toString(),
    "defaults::python==1.2.3",
  );
  assert.throws(
    () => MatchSpec.merge(["pkgs/main/linux-64::python", "pkgs/main/linux-32::python"]),
    IncompatibleSpecsError,
  );
  assert.equal(
    MatchSpec.merge(["pkgs/free/linux-64::python", "pkgs/free::python 1.2.3"])[0].toString(),
    "pkgs/free/linux-64::python==1.2.3",
  );
  assert.equal(
    MatchSpec.merge(["python[build=py27_1]", "python=1.2.3=py27_1", "conda-forge::python<=8"])[0].toString(),
    "conda-forge::python[version='1.2.3,<=8',build=py27_1]",
  );
  assert.throws(
    () => MatchSpec.merge(["python[build=py27_1]", "python=1.2.3=1", "conda-forge::python<=8[build=py27_1]"]),
    IncompatibleSpecsError,
  );
  assert.equal(
    MatchSpec.merge([
      "python[build_number=1]",
      "python=1.2.3=py27_7",
      "conda-forge::python<=8[build_number=1]",
    ])[0].toString(),
    "conda-forge::python[version='1.2.3,<=8',build=py27_7,build_number=1]",
  );
  assert.equal(
    MatchSpec.merge([
      "python[md5=deadbeef]",
      "python=1.2.3",
      "conda-forge::python[md5=deadbeef]",
    ])[0].toString(),
    "conda-forge::python=1.2.3[md5=deadbeef]",
  );
  assert.throws(
    () => MatchSpec.merge(["python[md5=FFBADD11]", "python[md5=ffbadd11]"]),
    IncompatibleSpecsError,
  );
  assert.equal(MatchSpec.merge(["*[md5=deadbeef]", "*[md5=FFBADD11]"]).length, 2);

  // build globs: prefix+prefix keeps the longer, otherwise a regex intersection
  const red = rec({ name: "my_pkg", version: "1.17.3", build: "red_habc123_3", build_number: 3 });
  const [m1] = MatchSpec.merge(["my_pkg=1.17.*=*red*", "my_pkg=1.17.*=red_*"]);
  assert.equal(m1.build, "^(?=.*red.*)(?:red_.*)$");
  assert.ok(m1.matches(red));
  assert.equal(
    MatchSpec.merge(["my_pkg=1.17.*=blue_*", "my_pkg=1.17.*=blue_hdef1234_*"])[0].build,
    "blue_hdef1234_*",
  );
  assert.equal(MatchSpec.merge(["my_pkg=1.17.*=*_3", "my_pkg=1.17.*=*_habc123_3"])[0].build, "*_habc123_3");
  assert.equal(
    MatchSpec.merge(["my_pkg=1.17.*=red_*", "my_pkg=1.17.*=red_habc123_3"])[0].build,
    "red_habc123_3",
  );
  assert.throws(
    () => MatchSpec.merge(["my_pkg=1.17.*=red_habc123_3", "my_pkg=1.17.*=blue_*"]),
    IncompatibleSpecsError,
  );
  assert.throws(
    () => MatchSpec.merge(["my_pkg=1.17.*=blue_*", "my_pkg=1.17.*=red_*"]),
    IncompatibleSpecsError,
  );
  assert.throws(
    () => MatchSpec.merge(["my_pkg=1.17.*=*_2", "my_pkg=1.17.*=*_habc123_3"]),
    IncompatibleSpecsError,
  );
});

test("invalid specs raise ParseError naming the input", () => {
  const bad = [
    "blas [optional",
    "blas [test=]",
    'blas[invalid="1"]',
    "!xyz 1.3",
    "*/lin(ux-65::f/o>=>1y",
    "^(aaaa$",
    "pkg 4.2.2<6.0.0",
    "pkg>=0.10.0,<1.0.0<py312|>=0.13.0,<1.0.0>=py312",
    "package[build=]",
    "package[build=value, build=again]",
    "package[build]",
    "package[build=0][version=2]",
    "package[extras=[a]",
    "package[extras=[a, b]",
    "package[extras=[[a, b]",
    'pkg[when=""]',
    "pkg[when='']",
    'pkg[when="   "]',
    "pkg[extras=]",
    "pkg[flags=]",
    "pkg[extras=[a,,b]]",
    "pkg[build=0,junk]",
    "python[when='package[when='__unix']']",
    "python[when='package[build=]']",
    "python[when='package[build]']",
    "foo if python>=3.6",
    "package[a]",
    "",
    "numpy= ",
    "numpy==",
    "numpy>=",
    "numpy[build_number='>=>1']",
    "numpy 1.0 py_0 extra[",
    "numpy]",
  ];
  for (const s of bad) {
    assert.throws(
      () => MatchSpec.parse(s),
      (e: unknown) =>
        e instanceof ParseError && e.input === s && e.expected === "MatchSpec" && e.message.includes(s),
      JSON.stringify(s),
    );
  }
  assert.throws(() => MatchSpec.parse("package[a,b]"), /did you mean `extras=\[a,b\]`/);
  assert.throws(() => MatchSpec.parse("package[build=0][version=2]"), /bracket section/);
  assert.throws(() => MatchSpec.parse("package[build=value, build=again]"), /only be specified once/);
});

test("specs from the wider ecosystem parse (conda's test_parse_ecosystem_corpus)", () => {
  const corpus = [
    "blas *.* mkl",
    "foo=1.0=py27_0",
    "foo==1.0=py27_0",
    "python 3.8.* *_cpython",
    "pytorch=*=cuda*",
    "x264 >=1!164.3095,<1!165",
    "conda-forge::foo[version=1.0.*]",
    'conda-forge::foo[version=1.0.*, build_number=">6"]',
    "python ==2.7.*.*|>=3.6",
    "python=3.9",
    "python=*",
    "conda-forge/linux-32::python[version=3.9, subdir=linux-64]",
    'conda-forge/linux-32::python ==3.9[subdir=linux-64, build_number="0"]',
    "python ==3.9[channel=conda-forge]",
    "python ==3.9[channel=conda-forge/linux-64]",
    "rust ~=1.2.3",
    "numpy>=2.*.*",
    "bird_tool_utils_python =0.*,>=0.4.1",
    "* >=1.0",
    "tensorflow 2.6.*",
    "mamba[build=*py310_1]",
    "mamba * [build=*py310*]",
    "foo >=1.0 py37*",
    "foo * py37_1",
    "activate_deactivate_package=*=*0",
    "numpy=*=*py38*",
    "conda-forge::libblas=*=*openblas",
    "pandas ==1.2.5 py37h295c915_0",
    "ca-certificates =2022.9.24",
    "ca-certificates<=2022.9.24,>2020",
    "ca-certificates !=2022.9.24,>2020",
    "ca-certificates[build='*_0']",
    "pytorch::pytorch=1.12",
  ];
  for (const s of corpus) assert.ok(MatchSpec.parse(s) instanceof MatchSpec, s);
  assert.equal(MatchSpec.parse("python 3.8.* *_cpython").toString(), "python=3.8[build=*_cpython]");
  assert.equal(MatchSpec.parse("pytorch=*=cuda*").toString(), "pytorch[build=cuda*]");
  assert.equal(
    MatchSpec.parse("conda-forge/linux-32::python[version=3.9, subdir=linux-64]").toString(),
    "conda-forge/linux-64::python==3.9",
  );
});

test("conda_build_form and conda_env_form", () => {
  assert.equal(MatchSpec.parse("python").toCondaBuildForm(), "python");
  assert.equal(MatchSpec.fromFields({ name: "python", build: "*123*" }).toCondaBuildForm(), "python * *123*");
  assert.equal(MatchSpec.fromFields({ name: "python", version: "3.*" }).toCondaBuildForm(), "python 3.*");
  assert.equal(
    MatchSpec.fromFields({ name: "python", version: "3.17", build: "*123*" }).toCondaBuildForm(),
    "python 3.17 *123*",
  );
  assert.equal(MatchSpec.parse("foo=1.0=2").toCondaBuildForm(), "foo 1.0 2");
  assert.equal(MatchSpec.parse("foo >= 1.0").toCondaBuildForm(), "foo >=1.0");
  assert.equal(MatchSpec.parse("foo >=1.0 , < 2.0").toCondaBuildForm(), "foo >=1.0,<2.0");
  const env: [string, string][] = [
    ["numpy==1.21.0=py39h1234567_0", "numpy=1.21.0=py39h1234567_0"],
    ["numpy=1.21.0", "numpy=1.21.0"],
    ["conda-forge::numpy==1.21.0=py39h1234567_0", "numpy=1.21.0=py39h1234567_0"],
    ["pkgs/main::pandas==1.3.0=py39h123_0", "pandas=1.3.0=py39h123_0"],
    ["python==3.9.7", "python=3.9.7"],
  ];
  for (const [input, out] of env) assert.equal(MatchSpec.parse(input).toEnvExportForm(), out, input);
});

test("a bare package file name is a file:// URL spec relative to the working directory, as in conda", () => {
  const spec = MatchSpec.parse("pkg-1.0-0.tar.bz2");
  assert.equal(spec.name, "*");
  assert.equal(spec.fn, "pkg-1.0-0.tar.bz2");
  assert.equal(spec.url, `file://${process.cwd()}/pkg-1.0-0.tar.bz2`);
  const inSubdir = MatchSpec.parse("/srv/chan/linux-64/pkg-1.0-0.conda");
  // conda prints a channel by its Channel name ('chan' for file:///srv/chan); the URL stays in url
  // and channelSource.
  assert.equal(inSubdir.toString(), "chan/linux-64::pkg==1.0=0");
  assert.equal(inSubdir.channelSource, "file:///srv/chan");
  assert.equal(inSubdir.url, "file:///srv/chan/linux-64/pkg-1.0-0.conda");
  assert.equal(inSubdir.subdir, "linux-64");
});

test("a record whose version does not parse still meets regex and '*' specs", () => {
  const odd = rec({ name: "odd", version: "1.0-a_b" });
  assert.ok(MatchSpec.parse("odd").matches(odd));
  assert.ok(MatchSpec.parse("odd[version='^1\\.0-a_b$']").matches(odd));
  assert.ok(!MatchSpec.parse("odd >=1").matches(odd));
});

test("fromDistString (conda's test_dist_str)", () => {
  const record = rec({
    name: "python",
    version: "3.6.6",
    build: "0",
    channel: "anaconda",
    subdir: "linux-64",
  });
  for (const ext of [".conda", ".tar.bz2", ""]) {
    for (const dist of [
      `anaconda/linux-64::python-3.6.6-0${ext}`,
      `https://someurl.org/anaconda/linux-64::python-3.6.6-0${ext}`,
      `python-3.6.6-0${ext}`,
      `https://someurl.org/anaconda::python-3.6.6-0${ext}`,
    ]) {
      assert.ok(MatchSpec.fromDistString(dist).matches(record), dist);
    }
  }
  const spec = MatchSpec.fromDistString("conda-forge/noarch::python-dateutil-2.9.0-pyhd8ed1ab_0.conda");
  assert.equal(spec.toString(), "conda-forge/noarch::python-dateutil==2.9.0=pyhd8ed1ab_0");
  assert.equal(MatchSpec.fromDistString("foo/bar::x-1-0").channel, "foo/bar");
  assert.throws(() => MatchSpec.fromDistString("python-3.6.6"), ParseError);
});
