/** A max-heap of job indices by priority (ties: lower index first), in one Int32Array. */
export class ReadyHeap {
  private readonly items: Int32Array;
  private readonly pos: Int32Array; // index in items, or -1
  private n = 0;

  constructor(
    capacity: number,
    private readonly priority: Float64Array,
  ) {
    this.items = new Int32Array(capacity);
    this.pos = new Int32Array(capacity).fill(-1);
  }

  get size(): number {
    return this.n;
  }

  has(job: number): boolean {
    return this.pos[job] >= 0;
  }

  push(job: number): void {
    if (this.pos[job] >= 0) return;
    this.items[this.n] = job;
    this.pos[job] = this.n;
    this.up(this.n++);
  }

  pop(): number {
    if (this.n === 0) return -1;
    const top = this.items[0];
    this.removeAt(0);
    return top;
  }

  remove(job: number): void {
    const p = this.pos[job];
    if (p >= 0) this.removeAt(p);
  }

  private removeAt(p: number): void {
    const job = this.items[p];
    this.pos[job] = -1;
    this.n--;
    if (p === this.n) return;
    const last = this.items[this.n];
    this.items[p] = last;
    this.pos[last] = p;
    this.down(p);
    this.up(this.pos[last]);
  }

  private before(a: number, b: number): boolean {
    const pa = this.priority[a];
    const pb = this.priority[b];
    return pa > pb || (pa === pb && a < b);
  }

  private up(p: number): void {
    const it = this.items;
    while (p > 0) {
      const parent = (p - 1) >> 1;
      if (!this.before(it[p], it[parent])) break;
      this.swap(p, parent);
      p = parent;
    }
  }

  private down(p: number): void {
    const it = this.items;
    for (;;) {
      const l = 2 * p + 1;
      const r = l + 1;
      let best = p;
      if (l < this.n && this.before(it[l], it[best])) best = l;
      if (r < this.n && this.before(it[r], it[best])) best = r;
      if (best === p) return;
      this.swap(p, best);
      p = best;
    }
  }

  private swap(a: number, b: number): void {
    const it = this.items;
    const x = it[a];
    it[a] = it[b];
    it[b] = x;
    this.pos[it[a]] = a;
    this.pos[it[b]] = b;
  }
}
