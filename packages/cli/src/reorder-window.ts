/**
 * Puts a stream that is almost in time order into time order with bounded memory: items are held
 * until the stream's own clock has passed them by `windowMs`, then released by (time, arrival).
 * `import asterisk` uses it because a queue_log is written in time order but the mapper also makes
 * events ahead of the line it reads (the end of an agent's wrap-up) and Asterisk's threads may write
 * a second's lines slightly out of order; the aggregator wants each partition in event-time order.
 */
export class ReorderWindow<T> {
  private readonly heap: { at: number; seq: number; item: T }[] = [];
  private seq = 0;

  /** @param windowMs - how far behind the stream's clock an item is held before release */
  constructor(private readonly windowMs: number) {}

  get size(): number {
    return this.heap.length;
  }

  push(at: number, item: T): void {
    this.heap.push({ at, seq: this.seq++, item });
    let i = this.heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Removes and yields, in order, every item at or before `clock - windowMs`. */
  *release(clock: number): Generator<T> {
    while (this.heap.length > 0 && this.heap[0]!.at <= clock - this.windowMs) yield this.pop();
  }

  /** Removes and yields every item, in order. */
  *drain(): Generator<T> {
    while (this.heap.length > 0) yield this.pop();
  }

  private pop(): T {
    const top = this.heap[0]!;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.heap.length && this.less(l, m)) m = l;
        if (r < this.heap.length && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top.item;
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }

  private swap(a: number, b: number): void {
    [this.heap[a], this.heap[b]] = [this.heap[b]!, this.heap[a]!];
  }
}
