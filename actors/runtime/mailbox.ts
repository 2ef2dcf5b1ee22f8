/**
 * A bounded FIFO of messages waiting for their turn. It refuses rather than grows: the caller
 * turns a refusal into MAILBOX_FULL, so an overloaded actor pushes back on its senders.
 */
export class Mailbox<T> {
  // A plain array with a moving head: O(1) push and shift, compacted when half is dead.
  private items: T[] = [];
  private head = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.items.length - this.head;
  }

  get isEmpty(): boolean {
    return this.items.length === this.head;
  }

  /** Appends; false when full, and nothing is added. */
  push(item: T): boolean {
    if (this.items.length - this.head >= this.capacity) return false;
    this.items.push(item);
    return true;
  }

  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head] as T;
    (this.items as Array<T | undefined>)[this.head] = undefined;
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Takes every waiting item out, oldest first. */
  drain(): T[] {
    const out = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return out;
  }
}
