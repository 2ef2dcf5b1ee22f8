/**
 * CPU time the whole machine spends busy (user, nice, system, irq, softirq of every core, from
 * /proc/stat), in µs: around a run, divided by its operations, it is what one operation costs
 * everything on the machine (the servers, NATS, the load generator, the kernel's loopback), so
 * two runs of the same machine compare by cost rather than by a rate the neighbours move.
 */
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

export function machineBusyMicros(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user + nice + system + irq + softirq) / TICKS_PER_SECOND) * 1e6;
}
