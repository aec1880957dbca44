import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

/*
 * Streaming zstd decoding for `.conda` parts (CEP 34/35) without holding the whole decompressed tar
 * in memory. Node 20 has no zstd in zlib, and @mongodb-js/zstd only decodes whole buffers, so this
 * drives the zstd wasm module that ships inside `zstddec` directly through ZSTD_decompressStream.
 * zstddec's own generator cannot be fed asynchronously and misses the final flush, hence this wrapper.
 */

// lib "ES2023" carries no WebAssembly types; the few calls used here are typed by hand.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface ZstdExports {
  memory: { buffer: ArrayBuffer };
  malloc(n: number): number;
  free(p: number): void;
  ZSTD_createDCtx(): number;
  ZSTD_freeDCtx(p: number): number;
  ZSTD_DStreamOutSize(): number;
  ZSTD_decompressStream(dctx: number, out: number, inp: number): number;
}

let exportsCache: ZstdExports | undefined;

function wasm(): ZstdExports {
  if (exportsCache) return exportsCache;
  // The module is embedded as base64 in zstddec's stream build; it is the same code on every version 0.3.x.
  const file = createRequire(import.meta.url).resolve("zstddec/stream");
  const m = /const wasm = "([A-Za-z0-9+/=]+)"/.exec(readFileSync(file, "utf8"));
  if (!m) throw new Error(`zstd wasm module not found in ${file}`);
  const mod = new WA.Module(Buffer.from(m[1], "base64"));
  const inst = new WA.Instance(mod, { env: { emscripten_notify_memory_growth: () => {} } });
  exportsCache = inst.exports as unknown as ZstdExports;
  return exportsCache;
}

/** zstd reports errors as size_t values in the last 120 of the range (ZSTD_isError). */
function isError(code: number): boolean {
  return code >>> 0 > 0xffffff88;
}

export class ZstdDecodeError extends Error {}

/**
 * Decodes a zstd stream chunk by chunk. `limit` caps the decompressed bytes so a small archive
 * cannot expand without bound; exceeding it throws `ZstdDecodeError('limit')`.
 */
export async function* zstdDecode(source: AsyncIterable<Uint8Array>, limit = Number.POSITIVE_INFINITY) {
  const w = wasm();
  const outSize = w.ZSTD_DStreamOutSize();
  const dctx = w.ZSTD_createDCtx();
  const outBuf = w.malloc(outSize);
  const inDesc = w.malloc(12); // ZSTD_inBuffer  { src, size, pos }
  const outDesc = w.malloc(12); // ZSTD_outBuffer { dst, size, pos }
  let inPtr = 0;
  let inCap = 0;
  let total = 0;
  let last = 0;
  let sawInput = false;
  try {
    for await (const chunk of source) {
      if (chunk.byteLength === 0) continue;
      sawInput = true;
      if (chunk.byteLength > inCap) {
        if (inPtr) w.free(inPtr);
        inCap = Math.max(chunk.byteLength, 1 << 17);
        inPtr = w.malloc(inCap);
      }
      new Uint8Array(w.memory.buffer).set(chunk, inPtr);
      let view = new DataView(w.memory.buffer);
      view.setUint32(inDesc, inPtr, true);
      view.setUint32(inDesc + 4, chunk.byteLength, true);
      view.setUint32(inDesc + 8, 0, true);
      for (;;) {
        view.setUint32(outDesc, outBuf, true);
        view.setUint32(outDesc + 4, outSize, true);
        view.setUint32(outDesc + 8, 0, true);
        last = w.ZSTD_decompressStream(dctx, outDesc, inDesc);
        if (isError(last)) throw new ZstdDecodeError(`invalid zstd data (code ${-(last | 0)})`);
        view = new DataView(w.memory.buffer); // memory may have grown
        const produced = view.getUint32(outDesc + 8, true);
        if (produced > 0) {
          total += produced;
          if (total > limit) throw new ZstdDecodeError("limit");
          yield Buffer.from(w.memory.buffer.slice(outBuf, outBuf + produced));
        }
        const inPos = view.getUint32(inDesc + 8, true);
        // Input fully consumed and the output buffer not full: nothing buffered inside the decoder.
        if (inPos >= chunk.byteLength && produced < outSize) break;
      }
    }
    if (!sawInput) throw new ZstdDecodeError("empty zstd stream");
    if (last !== 0) throw new ZstdDecodeError("truncated zstd stream");
  } finally {
    w.free(outBuf);
    w.free(inDesc);
    w.free(outDesc);
    if (inPtr) w.free(inPtr);
    w.ZSTD_freeDCtx(dctx);
  }
}
