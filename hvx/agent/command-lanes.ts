/**
 * The order an agent applies the commands it holds at once: each lane (a VM, or the host's room)
 * takes its turns one after another in the order they were taken, while different lanes run side
 * by side. A command takes all its turns the moment it arrives, before anything else can, so
 * every wait is on an earlier arrival and two commands can never wait on each other.
 *
 * A turn ends `applied` (its command was applied or answered from the ledger) or not (it gave up
 * before applying: it will be delivered again). A turn whose predecessor gave up gives up too,
 * so a later command of a VM is never applied ahead of an earlier one; the lane starts afresh
 * once it has drained.
 */

export interface LaneTurn {
  /** Resolves once every earlier turn of the lane has ended: true if they all applied their command. */
  readonly ready: Promise<boolean>;
  /** Ends the turn; the first call counts. */
  done(applied: boolean): void;
}

export class CommandLanes {
  private readonly tails = new Map<string, Promise<boolean>>();

  /** Lanes with a turn taken and not yet ended. */
  get busy(): number {
    return this.tails.size;
  }

  take(lane: string): LaneTurn {
    const before = this.tails.get(lane) ?? Promise.resolve(true);
    let end!: (applied: boolean) => void;
    const mine = new Promise<boolean>((resolve) => (end = resolve));
    const tail = before.then((ok) => mine.then((applied) => ok && applied));
    this.tails.set(lane, tail);
    let ended = false;
    return {
      ready: before,
      done: (applied) => {
        if (ended) return;
        ended = true;
        end(applied);
        // Forget a drained lane (nobody took a turn after this one), so lanes do not pile up.
        void tail.then(() => {
          if (this.tails.get(lane) === tail) this.tails.delete(lane);
        });
      },
    };
  }
}
