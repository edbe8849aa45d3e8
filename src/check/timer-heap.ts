/**
 * A binary min-heap of (due time, id): the one timer queue behind every health check, so 10,000
 * checks cost one armed timer instead of 10,000 (keepalived uses an rb-tree + timerfd the same way).
 * Ties keep insertion order (seq), so checks due together start in the order they were queued.
 */
export interface TimerEntry {
  at: number;
  id: number;
  seq: number;
}

export class TimerHeap {
  private readonly items: TimerEntry[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  push(at: number, id: number): void {
    const e = { at, id, seq: this.seq++ };
    const a = this.items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }

  peek(): TimerEntry | undefined {
    return this.items[0];
  }

  pop(): TimerEntry | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l], a[m])) m = l;
        if (r < a.length && before(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }
}

function before(a: TimerEntry, b: TimerEntry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
