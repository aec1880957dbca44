import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { redactUrl, stripUrlCredentials } from "../../src/conda/url-credentials.js";

describe("URL credentials", () => {
  const url = "https://me:s3cret@h.example/t/tk-123/chan/linux-64/x-1-0.conda";

  it("redacts for display: the user stays, password and token do not", () => {
    assert.equal(redactUrl(url), "https://me:<PASSWORD>@h.example/t/<TOKEN>/chan/linux-64/x-1-0.conda");
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
