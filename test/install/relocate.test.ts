import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PaddingError } from "../../src/install/install-errors.js";
import {
  relocateContent,
  replaceLongShebang,
  replacePrefixBinary,
  replacePrefixText,
} from "../../src/install/relocate.js";

const PH = "/opt/anaconda1anaconda2anaconda3";

describe("text prefix replacement", () => {
  it("replaces every occurrence", () => {
    const out = replacePrefixText(Buffer.from(`prefix=${PH}\nlibdir=${PH}/lib ${PH}/x\n`), PH, "/p");
    assert.equal(out.toString(), "prefix=/p\nlibdir=/p/lib /p/x\n");
  });
  it("leaves files without the placeholder unchanged", () => {
    const data = Buffer.from("nothing here\n");
    assert.equal(replacePrefixText(data, PH, "/p"), data);
  });
  it("turns a shebang with a spaced prefix into /usr/bin/env", () => {
    const out = relocateContent(Buffer.from(`#!${PH}/bin/python3 -E\nprint(1)\n`), PH, "text", "/my env");
    assert.equal(out.toString(), "#!/usr/bin/env python3 -E\nprint(1)\n");
  });
  it("shortens shebangs longer than 127 bytes", () => {
    const long = `/${"x".repeat(140)}`;
    const out = relocateContent(Buffer.from(`#!${PH}/bin/perl -w\n${PH}\n`), PH, "text", long);
    assert.equal(out.toString(), `#!/usr/bin/env perl -w\n${long}\n`);
  });
  it("keeps short shebangs", () => {
    const data = Buffer.from("#!/short/bin/python\nx\n");
    assert.equal(replaceLongShebang(data), data);
  });
});

describe("binary prefix replacement", () => {
  it("pads the C string with NULs and keeps the length", () => {
    const data = Buffer.from(`AB\0${PH}/lib:${PH}/lib64\0tail\0`);
    const out = replacePrefixBinary(data, PH, "/env");
    assert.equal(out.length, data.length);
    const pad = 2 * (PH.length - 4);
    assert.equal(out.toString("latin1"), `AB\0/env/lib:/env/lib64${"\0".repeat(pad)}\0tail\0`);
  });
  it("replaces each string separately", () => {
    const data = Buffer.from(`${PH}/a\0xx${PH}\0`);
    const out = replacePrefixBinary(data, PH, "/e");
    assert.equal(
      out.toString("latin1"),
      `/e/a${"\0".repeat(PH.length - 2)}\0xx/e${"\0".repeat(PH.length - 2)}\0`,
    );
  });
  it("errors when the prefix is longer than the placeholder", () => {
    const data = Buffer.from(`x${PH}/lib\0`);
    assert.throws(
      () => replacePrefixBinary(data, PH, `/${"y".repeat(40)}`, "lib/libfoo.so"),
      (e: unknown) => {
        assert.ok(e instanceof PaddingError);
        assert.match(e.message, /lib\/libfoo\.so/);
        return true;
      },
    );
  });
  it("ignores a placeholder with no terminating NUL, like conda", () => {
    const data = Buffer.from(`x${PH}`);
    assert.deepEqual(replacePrefixBinary(data, PH, "/e"), data);
  });
});
