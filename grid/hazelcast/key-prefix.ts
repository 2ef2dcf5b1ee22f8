/**
 * Key prefixes as member-side predicates. `like` treats `%` and `_` as wildcards and `\` as
 * their escape; a prefix is sent only up to its first `\` (whose escaping members do not
 * document), and callers filter the answer with startsWith, so a pattern that matches too
 * much costs bandwidth and never correctness.
 */
import { Predicates, type Predicate } from 'hazelcast-client';

/** The predicate for keys starting with `prefix`, or undefined when every key matches. */
export function keyPrefixPredicate(prefix: string): Predicate | undefined {
  const cut = prefix.indexOf('\\');
  const literal = cut < 0 ? prefix : prefix.slice(0, cut);
  if (literal === '') return undefined;
  return Predicates.like('__key', `${literal.replace(/[%_]/g, (c) => `\\${c}`)}%`);
}
