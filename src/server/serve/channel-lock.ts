/**
 * Serialises work per channel inside one server process. Uploads to one subdir must not interleave
 * (two re-indexes racing would each write a repodata.json missing the other's package), and
 * channeldata.json is written per channel, so the channel is the unit.
 */
export class ChannelLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(channel: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(channel) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(channel, tail);
    void tail.then(() => {
      if (this.tails.get(channel) === tail) this.tails.delete(channel);
    });
    return next;
  }

  /** Resolves when every queued task has finished. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }
}
