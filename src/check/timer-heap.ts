/**
 * A binary min-heap of (due time, id): the one timer queue behind every health check, so 10,000
 * checks cost one armed timer instead of 10,000 (keepalived uses an rb-tree + timerfd the same way).
 * Ties keep insertion order (seq), so checks due together start in the order they were queued.
 *
 * The entries live in three parallel arrays, not one object each: at 10,000 checks a second
 * an object per push was garbage the collector had to chase. `topAt`/`popId` read and take the
 * earliest entry without making one; `peek`/`pop` return it as an object for callers that want it.
 */
export interface TimerEntry {
  at: number;
  id: number;
  seq: number;
}

export class TimerHeap {
  private readonly ats: number[] = [];
  private readonly ids: number[] = [];
  private readonly seqs: number[] = [];
  private seq = 0;

  get size(): number {
    return this.ats.length;
  }

  /** Due time of the earliest entry; Infinity when empty. */
  get topAt(): number {
    return this.ats.length === 0 ? Infinity : this.ats[0];
  }

  push(at: number, id: number): void {
    const ats = this.ats;
    const ids = this.ids;
    const seqs = this.seqs;
    const seq = this.seq++;
    let i = ats.length;
    ats.push(at);
    ids.push(id);
    seqs.push(seq);
    // sift up: move parents down into the hole until the new entry's place is found
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!(at < ats[p] || (at === ats[p] && seq < seqs[p]))) break;
      ats[i] = ats[p];
      ids[i] = ids[p];
      seqs[i] = seqs[p];
      i = p;
    }
    ats[i] = at;
    ids[i] = id;
    seqs[i] = seq;
  }

  peek(): TimerEntry | undefined {
    return this.ats.length === 0 ? undefined : { at: this.ats[0], id: this.ids[0], seq: this.seqs[0] };
  }

  pop(): TimerEntry | undefined {
    const top = this.peek();
    if (top) this.popId();
    return top;
  }

  /** Removes the earliest entry and returns its id (-1 when empty). */
  popId(): number {
    const ats = this.ats;
    const ids = this.ids;
    const seqs = this.seqs;
    const n = ats.length - 1;
    if (n < 0) return -1;
    const top = ids[0];
    const at = ats.pop() as number;
    const id = ids.pop() as number;
    const seq = seqs.pop() as number;
    if (n === 0) return top;
    // sift down: the last entry goes where the smaller child chain leaves room for it
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let m = l;
      if (r < n && (ats[r] < ats[l] || (ats[r] === ats[l] && seqs[r] < seqs[l]))) m = r;
      if (!(ats[m] < at || (ats[m] === at && seqs[m] < seq))) break;
      ats[i] = ats[m];
      ids[i] = ids[m];
      seqs[i] = seqs[m];
      i = m;
    }
    ats[i] = at;
    ids[i] = id;
    seqs[i] = seq;
    return top;
  }

  clear(): void {
    this.ats.length = 0;
    this.ids.length = 0;
    this.seqs.length = 0;
  }
}
