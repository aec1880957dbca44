import type { ZSTDDecoder } from "zstddec";

/**
 * Raw repodata bytes kept as independently zstd-compressed blocks, so a loaded channel holds about
 * a fifth of its JSON size (conda-forge's 243 MB linux-64 repodata would otherwise stay resident)
 * while any byte range can still be read synchronously. Compression runs on libuv's thread pool
 * (native binding); reads decode single blocks with the synchronous wasm decoder and keep the
 * last few decoded blocks, since one name's records are usually adjacent.
 */
export class BlockStore {
  /** 64 KiB decodes in ~0.1–0.3 ms and compresses as well as larger blocks on repodata. */
  static readonly BLOCK_SIZE = 64 * 1024;
  private static decoder: Promise<ZSTDDecoder> | undefined;

  readonly length: number;
  private readonly blocks: Buffer[];
  private readonly dec: ZSTDDecoder;
  private readonly recent = new Map<number, Buffer>();

  private constructor(blocks: Buffer[], length: number, dec: ZSTDDecoder) {
    this.blocks = blocks;
    this.length = length;
    this.dec = dec;
  }

  private static getDecoder(): Promise<ZSTDDecoder> {
    BlockStore.decoder ??= import("zstddec").then(async ({ ZSTDDecoder }) => {
      const d = new ZSTDDecoder();
      await d.init();
      return d;
    });
    return BlockStore.decoder;
  }

  static async fromBuffer(buf: Buffer, level = 3): Promise<BlockStore> {
    const size = BlockStore.BLOCK_SIZE;
    // loaded here, not at import: a one-shot command never compacts (see the gateway)
    const { compress } = await import("@mongodb-js/zstd");
    const parts: Promise<Buffer>[] = [];
    for (let o = 0; o < buf.length; o += size)
      parts.push(compress(buf.subarray(o, Math.min(buf.length, o + size)), level));
    const [dec, blocks] = await Promise.all([BlockStore.getDecoder(), Promise.all(parts)]);
    return new BlockStore(blocks, buf.length, dec);
  }

  /** Compressed bytes held. */
  get compressedBytes(): number {
    let n = 0;
    for (const b of this.blocks) n += b.length;
    return n;
  }

  private block(k: number): Buffer {
    let b = this.recent.get(k);
    if (b) {
      // refresh its place in the LRU order
      this.recent.delete(k);
      this.recent.set(k, b);
      return b;
    }
    const size = Math.min(BlockStore.BLOCK_SIZE, this.length - k * BlockStore.BLOCK_SIZE);
    const out = this.dec.decode(this.blocks[k], size);
    b = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    this.recent.set(k, b);
    if (this.recent.size > 16) this.recent.delete(this.recent.keys().next().value as number);
    return b;
  }

  /** The bytes [start, end) of the original buffer. */
  slice(start: number, end: number): Buffer {
    const size = BlockStore.BLOCK_SIZE;
    const first = Math.floor(start / size);
    const last = Math.floor((end - 1) / size);
    if (first === last) return this.block(first).subarray(start - first * size, end - first * size);
    const parts: Buffer[] = [];
    for (let k = first; k <= last; k++) {
      const b = this.block(k);
      const from = k === first ? start - k * size : 0;
      const to = k === last ? end - k * size : b.length;
      parts.push(b.subarray(from, to));
    }
    return Buffer.concat(parts);
  }
}
