/** Which ranges of the upload are staged in the sink: sorted, disjoint, merged [start, end). */
export class StagedRanges {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  get count(): number {
    return this.starts.length;
  }

  /** Adds a range that starts at or after every range held (the upload only moves forward). */
  append(start: number, end: number): void {
    const last = this.ends.length - 1;
    if (last >= 0 && this.ends[last] === start) this.ends[last] = end;
    else {
      this.starts.push(start);
      this.ends.push(end);
    }
  }

  covers(start: number, end: number): boolean {
    const i = this.find(start);
    return i >= 0 && (this.ends[i] ?? 0) >= end;
  }

  /** Removes [start, end), which must be covered. */
  remove(start: number, end: number): void {
    const i = this.find(start);
    const s = this.starts[i] ?? 0;
    const e = this.ends[i] ?? 0;
    const keep: Array<[number, number]> = [];
    if (s < start) keep.push([s, start]);
    if (end < e) keep.push([end, e]);
    this.starts.splice(i, 1, ...keep.map((k) => k[0]));
    this.ends.splice(i, 1, ...keep.map((k) => k[1]));
  }

  all(): Array<[number, number]> {
    return this.starts.map((s, i) => [s, this.ends[i] ?? s]);
  }

  /** Index of the range holding `at`, or -1. */
  private find(at: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.starts[mid] ?? 0) > at) hi = mid - 1;
      else if ((this.ends[mid] ?? 0) <= at) lo = mid + 1;
      else return mid;
    }
    return -1;
  }
}
