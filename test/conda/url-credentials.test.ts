import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { redactSecretsOf, redactUrl, stripUrlCredentials } from "../../src/conda/url-credentials.js";

describe("URL credentials", () => {
  const url = "https://me:s3cret@h.example/t/tk-123/chan/linux-64/x-1-0.conda";

  it("redacts for display: the user stays, password and token do not", () => {
    assert.equal(redactUrl(url), "https://me:<PASSWORD>@h.example/t/<TOKEN>/chan/linux-64/x-1-0.conda");
  });

  it("redacts tokens of any spelling, wherever a /t/ segment appears", () => {
    assert.equal(redactUrl("https://h.example/t/a_b.c~d/chan?x=1"), "https://h.example/t/<TOKEN>/chan?x=1");
    assert.equal(
      redactUrl("https://h.example/t/one/mirror/t/two/x"),
      "https://h.example/t/<TOKEN>/mirror/t/<TOKEN>/x",
    );
  });

  it("scrubs a URL's secrets out of another library's error text", () => {
    const text = "connect ECONNREFUSED for https://me:s3cret@h.example/t/tk-123/chan (token tk-123)";
    const out = redactSecretsOf(url, text);
    assert.ok(!out.includes("s3cret") && !out.includes("tk-123"), out);
    assert.equal(
      redactSecretsOf("https://me:p%40ss@h.example/x", "auth p@ss failed"),
      "auth <PASSWORD> failed",
    );
    assert.equal(redactSecretsOf("not a url", "unchanged"), "unchanged");
  });

  it("removes for what is written or shared: no userinfo, no /t/<token> segment", () => {
    assert.equal(stripUrlCredentials(url), "https://h.example/chan/linux-64/x-1-0.conda");
    assert.equal(stripUrlCredentials("https://tokenonly@h.example/chan"), "https://h.example/chan");
    assert.equal(
      stripUrlCredentials("file:///tmp/chan/noarch/x-1-0.conda"),
      "file:///tmp/chan/noarch/x-1-0.conda",
    );
  });
});
