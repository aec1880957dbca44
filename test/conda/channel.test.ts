import assert from "node:assert/strict";
import { homedir } from "node:os";
import { resolve } from "node:path";
import { describe, it } from "node:test";
import {
  Channel,
  type ChannelConfig,
  ChannelParseError,
  DEFAULT_CHANNELS_WIN,
  defaultChannelConfig,
  prioritizeChannels,
  splitAnacondaToken,
} from "../../src/conda/channel.js";
import { TaipanError } from "../../src/conda/errors.js";
import { redactUrl } from "../../src/conda/url-credentials.js";

const SUBDIRS = ["linux-64", "noarch"] as const;
const unix = defaultChannelConfig("linux");

interface Expect {
  scheme?: string;
  auth?: string;
  location?: string;
  token?: string;
  name?: string;
  platform?: string;
  packageFilename?: string;
  canonicalName?: string;
  baseUrl?: string;
  urls?: string[];
  credUrls?: string[];
  url?: string;
  credUrl?: string;
  str?: string;
}

function check(input: string, want: Expect, config: ChannelConfig = unix): void {
  const c = Channel.parse(input, config);
  const got: Record<string, unknown> = {};
  for (const k of Object.keys(want) as (keyof Expect)[]) {
    switch (k) {
      case "urls":
        got[k] = c.urls({ subdirs: SUBDIRS });
        break;
      case "credUrls":
        got[k] = c.urls({ subdirs: SUBDIRS, withCredentials: true });
        break;
      case "url":
        got[k] = c.url({ subdirs: SUBDIRS });
        break;
      case "credUrl":
        got[k] = c.url({ subdirs: SUBDIRS, withCredentials: true });
        break;
      case "str":
        got[k] = c.toString();
        break;
      default:
        got[k] = c[k];
    }
  }
  assert.deepEqual(got, want, input);
}

// Vectors follow conda's tests/models/test_channel.py (rewritten as a table, hosts updated to the
// current defaults where the test used the default configuration).
describe("Channel with conda's default configuration", () => {
  const cases: [string, Expect][] = [
    [
      "conda-forge",
      {
        scheme: "https",
        location: "conda.anaconda.org",
        name: "conda-forge",
        platform: undefined,
        canonicalName: "conda-forge",
        baseUrl: "https://conda.anaconda.org/conda-forge",
        urls: [
          "https://conda.anaconda.org/conda-forge/linux-64",
          "https://conda.anaconda.org/conda-forge/noarch",
        ],
      },
    ],
    [
      "binstar/label/dev",
      {
        location: "conda.anaconda.org",
        name: "binstar/label/dev",
        platform: undefined,
        packageFilename: undefined,
        canonicalName: "binstar/label/dev",
        urls: [
          "https://conda.anaconda.org/binstar/label/dev/linux-64",
          "https://conda.anaconda.org/binstar/label/dev/noarch",
        ],
      },
    ],
    [
      "https://conda.anaconda.org/conda-forge",
      { location: "conda.anaconda.org", name: "conda-forge", canonicalName: "conda-forge" },
    ],
    [
      "https://conda.anaconda.org/conda-forge/linux-64/",
      {
        name: "conda-forge",
        platform: "linux-64",
        canonicalName: "conda-forge",
        urls: [
          "https://conda.anaconda.org/conda-forge/linux-64",
          "https://conda.anaconda.org/conda-forge/noarch",
        ],
        str: "https://conda.anaconda.org/conda-forge/linux-64",
      },
    ],
    ["conda-forge/osx-arm64", { name: "conda-forge", platform: "osx-arm64", canonicalName: "conda-forge" }],
    [
      "http://conda.anaconda.org/bioconda/win-64",
      { scheme: "http", canonicalName: "bioconda", platform: "win-64" },
    ],
    [
      "http://conda.anaconda.org/bioconda/label/main/osx-64",
      { canonicalName: "bioconda/label/main", name: "bioconda/label/main", platform: "osx-64" },
    ],
    [
      "http://conda.anaconda.org/t/tk-abc-123-456/bioconda/win-64",
      {
        token: "tk-abc-123-456",
        canonicalName: "bioconda",
        urls: ["http://conda.anaconda.org/bioconda/win-64", "http://conda.anaconda.org/bioconda/noarch"],
        credUrls: [
          "http://conda.anaconda.org/t/tk-abc-123-456/bioconda/win-64",
          "http://conda.anaconda.org/t/tk-abc-123-456/bioconda/noarch",
        ],
      },
    ],
    [
      "https://repo.anaconda.com/pkgs/main/osx-64",
      {
        scheme: "https",
        location: "repo.anaconda.com",
        platform: "osx-64",
        name: "pkgs/main",
        baseUrl: "https://repo.anaconda.com/pkgs/main",
        canonicalName: "defaults",
        url: "https://repo.anaconda.com/pkgs/main/osx-64",
        urls: ["https://repo.anaconda.com/pkgs/main/osx-64", "https://repo.anaconda.com/pkgs/main/noarch"],
      },
    ],
    ["pkgs/main", { location: "repo.anaconda.com", name: "pkgs/main", canonicalName: "defaults" }],
    ["pkgs/pro", { location: "repo.anaconda.com", name: "pkgs/pro", canonicalName: "pkgs/pro" }],
    [
      "https://repo.anaconda.com/pkgs/main/label/dev",
      { name: "pkgs/main/label/dev", canonicalName: "pkgs/main/label/dev" },
    ],
    [
      "https://repo.anaconda.com/pkgs/main/noarch/flask-1.0.tar.bz2",
      {
        name: "pkgs/main",
        platform: "noarch",
        packageFilename: "flask-1.0.tar.bz2",
        canonicalName: "defaults",
        urls: ["https://repo.anaconda.com/pkgs/main/noarch"],
        url: "https://repo.anaconda.com/pkgs/main/noarch/flask-1.0.tar.bz2",
      },
    ],
    [
      "http://conda-01",
      {
        scheme: "http",
        location: "conda-01",
        platform: undefined,
        name: "",
        canonicalName: "http://conda-01",
        baseUrl: "http://conda-01",
        urls: ["http://conda-01/linux-64", "http://conda-01/noarch"],
      },
    ],
    [
      "https://some.other.com/pkgs/free/",
      {
        canonicalName: "https://some.other.com/pkgs/free",
        urls: ["https://some.other.com/pkgs/free/linux-64", "https://some.other.com/pkgs/free/noarch"],
      },
    ],
    [
      "https://some.other.com/pkgs/free/noarch",
      {
        canonicalName: "https://some.other.com/pkgs/free",
        urls: ["https://some.other.com/pkgs/free/noarch"],
      },
    ],
    [
      // Anaconda Enterprise layout: a leading /conda segment belongs to the location.
      "https://10.2.3.4:8080/conda/bioconda",
      {
        location: "10.2.3.4:8080/conda",
        name: "bioconda",
        canonicalName: "https://10.2.3.4:8080/conda/bioconda",
      },
    ],
    [
      "file:///var/folders/cp/7r2s_s593j7_cpdtp/T/5d9f5e45/osx-64/flask-0.10.1-py35_2.tar.bz2",
      {
        scheme: "file",
        auth: undefined,
        token: undefined,
        name: "5d9f5e45",
        location: "/var/folders/cp/7r2s_s593j7_cpdtp/T",
        platform: "osx-64",
        packageFilename: "flask-0.10.1-py35_2.tar.bz2",
        url: "file:///var/folders/cp/7r2s_s593j7_cpdtp/T/5d9f5e45/osx-64/flask-0.10.1-py35_2.tar.bz2",
        urls: [
          "file:///var/folders/cp/7r2s_s593j7_cpdtp/T/5d9f5e45/osx-64",
          "file:///var/folders/cp/7r2s_s593j7_cpdtp/T/5d9f5e45/noarch",
        ],
        canonicalName: "file:///var/folders/cp/7r2s_s593j7_cpdtp/T/5d9f5e45",
      },
    ],
    [
      "file:///machine/shared_folder",
      {
        scheme: "file",
        location: "/machine",
        name: "shared_folder",
        canonicalName: "file:///machine/shared_folder",
        url: "file:///machine/shared_folder/linux-64",
        urls: ["file:///machine/shared_folder/linux-64", "file:///machine/shared_folder/noarch"],
      },
    ],
    [
      "file://\\machine\\shared_folder\\path\\conda",
      {
        scheme: "file",
        location: "/machine/shared_folder/path",
        name: "conda",
        canonicalName: "file:///machine/shared_folder/path/conda",
      },
    ],
    [
      "/srv/channels/my channel",
      {
        scheme: "file",
        location: "/srv/channels",
        name: "my%20channel",
        baseUrl: "file:///srv/channels/my%20channel",
      },
    ],
  ];
  for (const [input, want] of cases) it(input, () => check(input, want));

  it("expands defaults to the default channels", () => {
    const d = Channel.parse("defaults", unix);
    assert.equal(d.isMultiChannel, true);
    assert.equal(d.canonicalName, "defaults");
    assert.equal(d.scheme, undefined);
    assert.deepEqual(d.urls({ subdirs: SUBDIRS }), [
      "https://repo.anaconda.com/pkgs/main/linux-64",
      "https://repo.anaconda.com/pkgs/main/noarch",
      "https://repo.anaconda.com/pkgs/r/linux-64",
      "https://repo.anaconda.com/pkgs/r/noarch",
    ]);
    assert.deepEqual(d.baseUrls, ["https://repo.anaconda.com/pkgs/main", "https://repo.anaconda.com/pkgs/r"]);
    assert.deepEqual(
      d.expand().map((c) => c.canonicalName),
      ["defaults", "defaults"],
    );
    assert.throws(() => d.baseUrl, TaipanError);
    const win = Channel.parse("defaults", defaultChannelConfig("win32"));
    assert.deepEqual(win.baseUrls, [...DEFAULT_CHANNELS_WIN]);
    const pinned = Channel.parse("defaults/linux-64", unix);
    assert.equal(pinned.toString(), "defaults/linux-64");
    assert.deepEqual(pinned.urls(), [
      "https://repo.anaconda.com/pkgs/main/linux-64",
      "https://repo.anaconda.com/pkgs/main/noarch",
      "https://repo.anaconda.com/pkgs/r/linux-64",
      "https://repo.anaconda.com/pkgs/r/noarch",
    ]);
  });

  it("treats <unknown>/None as the unknown channel standing for defaults", () => {
    for (const v of ["<unknown>", "None", "None:///<unknown>"]) {
      const c = Channel.parse(v, unix);
      assert.equal(c.name, "<unknown>");
      assert.equal(c.canonicalName, "<unknown>");
      assert.equal(c.platform, undefined);
      assert.deepEqual(
        c.urls({ subdirs: SUBDIRS }),
        Channel.parse("defaults", unix).urls({ subdirs: SUBDIRS }),
      );
    }
  });

  it("turns directory paths into file:// channels", () => {
    const rel = Channel.parse("./some/chan", unix);
    assert.equal(rel.baseUrl, `file://${resolve("some/chan")}`);
    assert.equal(rel.canonicalName, rel.baseUrl);
    assert.equal(Channel.parse("../x", unix).baseUrl, `file://${resolve("..", "x")}`);
    assert.equal(Channel.parse("~/chan", unix).baseUrl, `file://${homedir()}/chan`);
    const withSubdir = Channel.parse("/data/chan/linux-64", unix);
    assert.equal(withSubdir.platform, "linux-64");
    assert.equal(withSubdir.baseUrl, "file:///data/chan");
    const winPath = Channel.parse("C:\\Users\\me\\chan", unix);
    assert.equal(winPath.scheme, "file");
    assert.equal(winPath.name, "chan");
    if (process.platform !== "win32") assert.equal(winPath.baseUrl, "file:///C:/Users/me/chan");
  });

  it("is cached per config and compares by location and name", () => {
    assert.equal(Channel.parse("conda-forge", unix), Channel.parse("conda-forge", unix));
    const a = Channel.parse("https://conda.anaconda.org/conda-forge/linux-64", unix);
    assert.ok(a.equals("conda-forge"));
    assert.ok(a.equals(Channel.parse("https://conda.anaconda.org/t/tk-1/conda-forge", unix)));
    assert.ok(!a.equals("bioconda"));
    assert.equal(JSON.stringify({ c: a }), '{"c":"https://conda.anaconda.org/conda-forge/linux-64"}');
  });

  it("uses the current subdir when none is given", () => {
    const urls = Channel.parse("conda-forge", unix).urls();
    assert.equal(urls.length, 2);
    assert.equal(urls[1], "https://conda.anaconda.org/conda-forge/noarch");
    assert.match(urls[0], /^https:\/\/conda\.anaconda\.org\/conda-forge\/[a-z]+-[a-z0-9]+$/);
    assert.equal(
      Channel.parse("conda-forge", unix).subdirUrl("osx-arm64"),
      "https://conda.anaconda.org/conda-forge/osx-arm64",
    );
  });
});

describe("Channel with a channel_alias carrying a token (conda's AnacondaServerChannelTests)", () => {
  const cfg: ChannelConfig = { ...unix, channelAlias: "https://10.2.3.4:8080/conda/t/tk-123-45" };
  it("names resolve under the alias, with its token", () => {
    check(
      "bioconda",
      {
        name: "bioconda",
        location: "10.2.3.4:8080/conda",
        platform: undefined,
        packageFilename: undefined,
        auth: undefined,
        scheme: "https",
        canonicalName: "bioconda",
        token: "tk-123-45",
        urls: [
          "https://10.2.3.4:8080/conda/bioconda/linux-64",
          "https://10.2.3.4:8080/conda/bioconda/noarch",
        ],
        credUrls: [
          "https://10.2.3.4:8080/conda/t/tk-123-45/bioconda/linux-64",
          "https://10.2.3.4:8080/conda/t/tk-123-45/bioconda/noarch",
        ],
      },
      cfg,
    );
    check("bioconda/label/dev", { name: "bioconda/label/dev", canonicalName: "bioconda/label/dev" }, cfg);
  });
  it("a token in the URL wins, wherever it is", () => {
    check(
      "https://10.2.3.4:8080/conda/t/x1029384756/bioconda",
      {
        name: "bioconda",
        location: "10.2.3.4:8080/conda",
        token: "x1029384756",
        canonicalName: "bioconda",
        urls: [
          "https://10.2.3.4:8080/conda/bioconda/linux-64",
          "https://10.2.3.4:8080/conda/bioconda/noarch",
        ],
      },
      cfg,
    );
    check(
      "https://10.2.3.4:8080/t/x1029384756/conda/bioconda",
      {
        credUrls: [
          "https://10.2.3.4:8080/conda/t/x1029384756/bioconda/linux-64",
          "https://10.2.3.4:8080/conda/t/x1029384756/bioconda/noarch",
        ],
      },
      cfg,
    );
    check(
      "https://10.2.3.4:8080/conda/bioconda",
      {
        credUrls: [
          "https://10.2.3.4:8080/conda/t/tk-123-45/bioconda/linux-64",
          "https://10.2.3.4:8080/conda/t/tk-123-45/bioconda/noarch",
        ],
      },
      cfg,
    );
  });
});

describe("Channel with custom_channels and default_channels (conda's CustomConfigChannelTests)", () => {
  const cfg: ChannelConfig = {
    channelAlias: "ftp://new.url:8082",
    customChannels: {
      darwin: "https://some.url.somewhere/stuff",
      chuck: "http://user1:pass2@another.url:8080/t/tk-1234/with/path",
      "pkgs/anaconda": "http://192.168.0.15:8080",
    },
    defaultChannels: [
      "http://192.168.0.15:8080/pkgs/anaconda",
      "http://192.168.0.15:8080/pkgs/pro",
      "http://192.168.0.15:8080/pkgs/msys2",
    ],
    customMultichannels: {},
  };
  const cases: [string, Expect][] = [
    [
      "pkgs/anaconda",
      {
        name: "pkgs/anaconda",
        location: "192.168.0.15:8080",
        canonicalName: "defaults",
        urls: [
          "http://192.168.0.15:8080/pkgs/anaconda/linux-64",
          "http://192.168.0.15:8080/pkgs/anaconda/noarch",
        ],
      },
    ],
    [
      "pkgs/pro",
      {
        location: "192.168.0.15:8080",
        canonicalName: "defaults",
        urls: ["http://192.168.0.15:8080/pkgs/pro/linux-64", "http://192.168.0.15:8080/pkgs/pro/noarch"],
      },
    ],
    [
      "https://repo.continuum.io/pkgs/pro",
      {
        name: "pkgs/pro",
        location: "repo.continuum.io",
        canonicalName: "defaults",
        urls: ["https://repo.continuum.io/pkgs/pro/linux-64", "https://repo.continuum.io/pkgs/pro/noarch"],
      },
    ],
    [
      "https://repo.continuum.io/pkgs/pro/label/dev",
      { name: "pkgs/pro/label/dev", location: "repo.continuum.io", canonicalName: "pkgs/pro/label/dev" },
    ],
    [
      "https://repo.continuum.io/pkgs/pro/noarch/flask-1.0.tar.bz2",
      {
        name: "pkgs/pro",
        platform: "noarch",
        packageFilename: "flask-1.0.tar.bz2",
        canonicalName: "defaults",
        urls: ["https://repo.continuum.io/pkgs/pro/noarch"],
      },
    ],
    ["darwin", { name: "darwin", location: "some.url.somewhere/stuff", canonicalName: "darwin" }],
    ["https://some.url.somewhere/stuff/darwin", { name: "darwin", location: "some.url.somewhere/stuff" }],
    [
      "https://some.url.somewhere/stuff/darwin/label/dev",
      { name: "darwin/label/dev", location: "some.url.somewhere/stuff", platform: undefined },
    ],
    [
      "https://some.url.somewhere/stuff/darwin/label/dev/linux-64",
      { name: "darwin/label/dev", platform: "linux-64", packageFilename: undefined },
    ],
    [
      "https://some.url.somewhere/stuff/darwin/label/dev/linux-64/flask-1.0.tar.bz2",
      {
        name: "darwin/label/dev",
        location: "some.url.somewhere/stuff",
        platform: "linux-64",
        packageFilename: "flask-1.0.tar.bz2",
        auth: undefined,
        token: undefined,
        scheme: "https",
      },
    ],
    [
      "chuck",
      {
        name: "chuck",
        location: "another.url:8080/with/path",
        auth: "user1:pass2",
        token: "tk-1234",
        scheme: "http",
      },
    ],
    [
      "https://another.url:8080/with/path/chuck/label/dev/linux-64/flask-1.0.tar.bz2",
      {
        name: "chuck/label/dev",
        location: "another.url:8080/with/path",
        auth: "user1:pass2",
        token: "tk-1234",
        scheme: "https",
        platform: "linux-64",
        packageFilename: "flask-1.0.tar.bz2",
      },
    ],
    [
      "conda-forge",
      { urls: ["ftp://new.url:8082/conda-forge/linux-64", "ftp://new.url:8082/conda-forge/noarch"] },
    ],
  ];
  for (const [input, want] of cases) it(input, () => check(input, want, cfg));
  it("defaults follows default_channels", () => {
    assert.deepEqual(Channel.parse("defaults", cfg).urls({ subdirs: SUBDIRS }), [
      "http://192.168.0.15:8080/pkgs/anaconda/linux-64",
      "http://192.168.0.15:8080/pkgs/anaconda/noarch",
      "http://192.168.0.15:8080/pkgs/pro/linux-64",
      "http://192.168.0.15:8080/pkgs/pro/noarch",
      "http://192.168.0.15:8080/pkgs/msys2/linux-64",
      "http://192.168.0.15:8080/pkgs/msys2/noarch",
    ]);
  });
});

describe("Channel credentials precedence (conda's ChannelAuthTokenPriorityTests)", () => {
  const cfg: ChannelConfig = {
    channelAlias: "ftp://nm:ps@new.url:8082/t/zyx-wvut/",
    customChannels: {
      chuck: "http://user1:pass2@another.url:8080/with/path/t/tk-1234",
      "chuck/subchan": "http://user33:pass44@another.url:8080/with/path/t/tk-1234",
    },
    defaultChannels: [
      "http://192.168.0.15:8080/pkgs/anaconda",
      "donald/label/main",
      "http://us:pw@192.168.0.15:8080/t/tkn-123/pkgs/r",
    ],
    customMultichannels: {},
  };
  const cases: [string, Expect][] = [
    [
      "chuck",
      {
        canonicalName: "chuck",
        location: "another.url:8080/with/path",
        url: "http://another.url:8080/with/path/chuck/linux-64",
        credUrl: "http://user1:pass2@another.url:8080/with/path/t/tk-1234/chuck/linux-64",
      },
    ],
    [
      "chuck/label/dev",
      {
        canonicalName: "chuck/label/dev",
        credUrls: [
          "http://user1:pass2@another.url:8080/with/path/t/tk-1234/chuck/label/dev/linux-64",
          "http://user1:pass2@another.url:8080/with/path/t/tk-1234/chuck/label/dev/noarch",
        ],
      },
    ],
    [
      "https://newuser:newpass@another.url:8080/with/path/t/new-token/chuck/label/dev",
      {
        canonicalName: "chuck/label/dev",
        location: "another.url:8080/with/path",
        url: "https://another.url:8080/with/path/chuck/label/dev/linux-64",
        credUrl: "https://newuser:newpass@another.url:8080/with/path/t/new-token/chuck/label/dev/linux-64",
      },
    ],
    [
      "chuck/subchan",
      {
        canonicalName: "chuck/subchan",
        credUrl: "http://user33:pass44@another.url:8080/with/path/t/tk-1234/chuck/subchan/linux-64",
      },
    ],
    [
      "http://another.url:8080/with/path/chuck/subchan/label/main",
      {
        canonicalName: "chuck/subchan/label/main",
        credUrl:
          "http://user33:pass44@another.url:8080/with/path/t/tk-1234/chuck/subchan/label/main/linux-64",
      },
    ],
    [
      "charlie",
      {
        canonicalName: "charlie",
        location: "new.url:8082",
        url: "ftp://new.url:8082/charlie/linux-64",
        credUrl: "ftp://nm:ps@new.url:8082/t/zyx-wvut/charlie/linux-64",
      },
    ],
    [
      "ftp://nm:ps@new.url:8082/t/new-token/charlie/label/dev",
      {
        canonicalName: "charlie/label/dev",
        credUrl: "ftp://nm:ps@new.url:8082/t/new-token/charlie/label/dev/linux-64",
      },
    ],
    ["ftp://new.url:8082/donald/label/main", { canonicalName: "defaults" }],
    ["donald/label/main", { canonicalName: "defaults" }],
    // conda compares channel names only as far as both go, so `donald` counts as a custom channel.
    ["ftp://new.url:8081/donald", { location: "new.url:8081", canonicalName: "donald" }],
  ];
  for (const [input, want] of cases) it(input, () => check(input, want, cfg));
  it("defaults carries each member's own credentials", () => {
    const d = Channel.parse("defaults", cfg);
    assert.deepEqual(d.urls({ subdirs: SUBDIRS }), [
      "http://192.168.0.15:8080/pkgs/anaconda/linux-64",
      "http://192.168.0.15:8080/pkgs/anaconda/noarch",
      "ftp://new.url:8082/donald/label/main/linux-64",
      "ftp://new.url:8082/donald/label/main/noarch",
      "http://192.168.0.15:8080/pkgs/r/linux-64",
      "http://192.168.0.15:8080/pkgs/r/noarch",
    ]);
    assert.deepEqual(d.urls({ subdirs: SUBDIRS, withCredentials: true }), [
      "http://192.168.0.15:8080/pkgs/anaconda/linux-64",
      "http://192.168.0.15:8080/pkgs/anaconda/noarch",
      "ftp://nm:ps@new.url:8082/t/zyx-wvut/donald/label/main/linux-64",
      "ftp://nm:ps@new.url:8082/t/zyx-wvut/donald/label/main/noarch",
      "http://us:pw@192.168.0.15:8080/t/tkn-123/pkgs/r/linux-64",
      "http://us:pw@192.168.0.15:8080/t/tkn-123/pkgs/r/noarch",
    ]);
  });
});

describe("custom_multichannels", () => {
  const cfg: ChannelConfig = {
    ...unix,
    customMultichannels: { mine: ["conda-forge", "https://example.com/extra"] },
  };
  it("expands in order and gives members the multichannel's canonical name", () => {
    const m = Channel.parse("mine", cfg);
    assert.equal(m.isMultiChannel, true);
    assert.deepEqual(m.baseUrls, ["https://conda.anaconda.org/conda-forge", "https://example.com/extra"]);
    assert.equal(Channel.parse("conda-forge", cfg).canonicalName, "mine");
    assert.equal(Channel.parse("https://example.com/extra/noarch", cfg).canonicalName, "mine");
    assert.equal(Channel.parse("bioconda", cfg).canonicalName, "bioconda");
  });
});

describe("redaction", () => {
  it("hides tokens and passwords", () => {
    assert.equal(
      redactUrl("https://u:p%40ss@h.example:8443/t/tk-123-abc/chan/linux-64/x-1-0.conda"),
      "https://u:<PASSWORD>@h.example:8443/t/<TOKEN>/chan/linux-64/x-1-0.conda",
    );
    assert.equal(
      redactUrl("https://conda.anaconda.org/conda-forge"),
      "https://conda.anaconda.org/conda-forge",
    );
    assert.equal(redactUrl("https://tokenonly@h/x"), "https://tokenonly@h/x");
    const c = Channel.parse("https://me:secret@private.example/t/abc-123/chan/linux-64", unix);
    assert.equal(c.redacted(), "https://me:<PASSWORD>@private.example/t/<TOKEN>/chan/linux-64");
    assert.doesNotMatch(c.toString(), /secret|abc-123/);
    assert.equal(c.toString(), "https://private.example/chan/linux-64");
    assert.equal(Channel.parse("conda-forge", unix).redacted(), "https://conda.anaconda.org/conda-forge");
  });
  it("splits tokens as conda's split_anaconda_token does", () => {
    assert.deepEqual(splitAnacondaToken("https://1.2.3.4/t/tk-123-456/path"), [
      "https://1.2.3.4/path",
      "tk-123-456",
    ]);
    assert.deepEqual(splitAnacondaToken("https://1.2.3.4/t//path"), ["https://1.2.3.4/path", ""]);
    assert.deepEqual(splitAnacondaToken("https://some.domain/api/t/tk-123-456/path"), [
      "https://some.domain/api/path",
      "tk-123-456",
    ]);
    assert.deepEqual(splitAnacondaToken("https://1.2.3.4/path"), ["https://1.2.3.4/path", undefined]);
    assert.deepEqual(splitAnacondaToken("https://10.2.3.4:8080/conda/t/tk-123-45"), [
      "https://10.2.3.4:8080/conda",
      "tk-123-45",
    ]);
  });
});

describe("Channel.fromRecordUrl", () => {
  it("splits a package URL into channel, subdir and filename", () => {
    const r = Channel.fromRecordUrl(
      "https://conda.anaconda.org/conda-forge/linux-64/numpy-1.26.4-py311h64a7726_0.conda",
      unix,
    );
    assert.equal(r.channel.canonicalName, "conda-forge");
    assert.equal(r.channel.platform, undefined);
    assert.equal(r.channel.baseUrl, "https://conda.anaconda.org/conda-forge");
    assert.equal(r.subdir, "linux-64");
    assert.equal(r.fn, "numpy-1.26.4-py311h64a7726_0.conda");
    const d = Channel.fromRecordUrl(
      "https://repo.anaconda.com/pkgs/main/noarch/tzdata-2024a-h04d1e81_0.tar.bz2",
      unix,
    );
    assert.equal(d.channel.canonicalName, "defaults");
    assert.equal(d.subdir, "noarch");
    const f = Channel.fromRecordUrl("file:///opt/chan/osx-arm64/zlib-1.3-h0_0.tar.bz2", unix);
    assert.equal(f.channel.canonicalName, "file:///opt/chan");
    assert.equal(f.subdir, "osx-arm64");
    const t = Channel.fromRecordUrl("https://conda.anaconda.org/t/tk-9/private/win-64/a-1-0.conda", unix);
    assert.equal(t.channel.token, "tk-9");
    assert.equal(t.channel.canonicalName, "private");
  });
  it("rejects URLs that are not package files", () => {
    for (const bad of [
      "https://conda.anaconda.org/conda-forge/linux-64",
      "https://conda.anaconda.org/conda-forge/linux-64/repodata.json",
      "numpy-1.0-0.conda",
    ])
      assert.throws(() => Channel.fromRecordUrl(bad, unix), ChannelParseError, bad);
  });
});

describe("bad channel input", () => {
  for (const bad of [
    "",
    "   ",
    "conda forge",
    "HTTPS://x.org/c",
    "conda-forge::numpy",
    "numpy>=1.0",
    "https://",
  ]) {
    it(JSON.stringify(bad), () => {
      assert.throws(
        () => Channel.parse(bad, unix),
        (e: unknown) => {
          assert.ok(e instanceof ChannelParseError, String(e));
          assert.equal(e.code, "INVALID_CHANNEL");
          assert.ok(e.message.includes(`'${bad}'`));
          assert.ok(e.hint);
          return true;
        },
      );
    });
  }
  it("never echoes secrets in errors", () => {
    assert.throws(
      () => Channel.parse("HTTPS://u:secret@x.org/t/tk-1/c", unix),
      (e: unknown) =>
        e instanceof ChannelParseError && !e.message.includes("secret") && !e.message.includes("tk-1"),
    );
  });
  it("rejects a channel_alias without a scheme", () => {
    assert.throws(
      () => Channel.parse("conda-forge", { ...unix, channelAlias: "conda.anaconda.org" }),
      ChannelParseError,
    );
  });
});

describe("migrated_channel_aliases and migrated_custom_channels (conda's CustomConfigChannelTests)", () => {
  const cfg: ChannelConfig = {
    channelAlias: "ftp://new.url:8082",
    customChannels: {
      darwin: "https://some.url.somewhere/stuff",
      chuck: "http://user1:pass2@another.url:8080/t/tk-1234/with/path",
      "pkgs/anaconda": "http://192.168.0.15:8080",
    },
    migratedCustomChannels: {
      darwin: "s3://just/cant",
      chuck: "file:///var/lib/repo/",
      "pkgs/anaconda": "https://repo.continuum.io",
    },
    migratedChannelAliases: ["https://conda.anaconda.org"],
    defaultChannels: [
      "http://192.168.0.15:8080/pkgs/anaconda",
      "http://192.168.0.15:8080/pkgs/pro",
      "http://192.168.0.15:8080/pkgs/msys2",
    ],
    customMultichannels: {},
  };
  const cases: [string, Expect][] = [
    [
      "https://repo.continuum.io/pkgs/anaconda",
      {
        name: "pkgs/anaconda",
        location: "192.168.0.15:8080",
        canonicalName: "defaults",
        urls: [
          "http://192.168.0.15:8080/pkgs/anaconda/linux-64",
          "http://192.168.0.15:8080/pkgs/anaconda/noarch",
        ],
      },
    ],
    [
      "https://repo.continuum.io/pkgs/anaconda/noarch",
      {
        name: "pkgs/anaconda",
        location: "192.168.0.15:8080",
        urls: ["http://192.168.0.15:8080/pkgs/anaconda/noarch"],
      },
    ],
    [
      "https://repo.continuum.io/pkgs/anaconda/label/dev",
      {
        name: "pkgs/anaconda/label/dev",
        location: "192.168.0.15:8080",
        canonicalName: "pkgs/anaconda/label/dev",
      },
    ],
    [
      "s3://just/cant/darwin/osx-64",
      {
        name: "darwin",
        location: "some.url.somewhere/stuff",
        platform: "osx-64",
        packageFilename: undefined,
        auth: undefined,
        token: undefined,
        scheme: "https",
        canonicalName: "darwin",
        url: "https://some.url.somewhere/stuff/darwin/osx-64",
        urls: [
          "https://some.url.somewhere/stuff/darwin/osx-64",
          "https://some.url.somewhere/stuff/darwin/noarch",
        ],
      },
    ],
    [
      "https://conda.anaconda.org/conda-forge/osx-64/some-great-package.tar.bz2",
      {
        canonicalName: "conda-forge",
        baseUrl: "ftp://new.url:8082/conda-forge",
        url: "ftp://new.url:8082/conda-forge/osx-64/some-great-package.tar.bz2",
        urls: ["ftp://new.url:8082/conda-forge/osx-64", "ftp://new.url:8082/conda-forge/noarch"],
      },
    ],
    [
      "https://conda.anaconda.org/conda-forge/label/dev/linux-64/some-great-package.tar.bz2",
      {
        url: "ftp://new.url:8082/conda-forge/label/dev/linux-64/some-great-package.tar.bz2",
        urls: [
          "ftp://new.url:8082/conda-forge/label/dev/linux-64",
          "ftp://new.url:8082/conda-forge/label/dev/noarch",
        ],
      },
    ],
  ];
  for (const [input, want] of cases) it(input, () => check(input, want, cfg));
});

describe("prioritizeChannels", () => {
  it("expands multichannels, numbers members separately and keeps the first URL", () => {
    const p = prioritizeChannels(["conda-forge", "defaults", "https://conda.anaconda.org/conda-forge"], {
      config: unix,
      subdirs: SUBDIRS,
    });
    assert.deepEqual(
      p.map((x) => [x.url, x.canonicalName, x.priority]),
      [
        ["https://conda.anaconda.org/conda-forge/linux-64", "conda-forge", 0],
        ["https://conda.anaconda.org/conda-forge/noarch", "conda-forge", 0],
        ["https://repo.anaconda.com/pkgs/main/linux-64", "defaults", 1],
        ["https://repo.anaconda.com/pkgs/main/noarch", "defaults", 1],
        ["https://repo.anaconda.com/pkgs/r/linux-64", "defaults", 2],
        ["https://repo.anaconda.com/pkgs/r/noarch", "defaults", 2],
      ],
    );
  });
  it("keeps file:// channels in the order given (conda's test_env_var_file_urls)", () => {
    const p = prioritizeChannels(["https://some.url/ch_name", "file:///some/place/on/my/machine"], {
      config: unix,
      subdirs: SUBDIRS,
    });
    assert.deepEqual(
      p.map((x) => [x.url, x.canonicalName, x.priority]),
      [
        ["https://some.url/ch_name/linux-64", "https://some.url/ch_name", 0],
        ["https://some.url/ch_name/noarch", "https://some.url/ch_name", 0],
        ["file:///some/place/on/my/machine/linux-64", "file:///some/place/on/my/machine", 1],
        ["file:///some/place/on/my/machine/noarch", "file:///some/place/on/my/machine", 1],
      ],
    );
  });
});
