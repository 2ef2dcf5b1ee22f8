/**
 * `/applications/filter` criteria (`{type: COMPLEX, operator: And/Or, criteria: [{type:
 * SIMPLE, operator: Equals, propertyName, operand}]}`), evaluated against an object's
 * properties. Permission filters use the same form.
 */
import { match } from 'ts-pattern';
import type { Application, FilterCriterion } from './schemas/application.ts';

type Comparable = number | bigint;
const isComparable = (x: unknown): x is Comparable => typeof x === 'number' || typeof x === 'bigint';
const same = (a: unknown, b: unknown): boolean => (typeof a === 'bigint' || typeof b === 'bigint' ? String(a) === String(b) : a === b);

/** True when the properties satisfy the criterion; a missing property never matches. */
export function matchesFilter(c: FilterCriterion, props: Readonly<Record<string, unknown>>): boolean {
  return match(c)
    .with({ type: 'COMPLEX' }, (x) => (x.operator === 'And' ? x.criteria.every((s) => matchesFilter(s, props)) : x.criteria.some((s) => matchesFilter(s, props))))
    .with({ type: 'SIMPLE' }, (s) => {
      const v = props[s.propertyName];
      if (v === undefined) return false;
      const o = s.operand;
      return match(s.operator)
        .with('Equals', () => same(v, o))
        .with('NotEquals', () => !same(v, o))
        .with('Contains', () => typeof v === 'string' && typeof o === 'string' && v.toLowerCase().includes(o.toLowerCase()))
        .with('GreaterThan', () => isComparable(v) && isComparable(o) && v > o)
        .with('LessThan', () => isComparable(v) && isComparable(o) && v < o)
        .otherwise(() => false);
    })
    .exhaustive();
}

/** The properties of an application that filters may name. */
export function applicationProperties(app: Application): Record<string, unknown> {
  return {
    id: app.id,
    name: app.name,
    description: app.description,
    owner: app.owner,
    published: app.published,
    creationTime: app.creationTime,
    baseBlueprintId: app.baseBlueprintId,
    regionName: app.deployment?.regionName,
    nextStopTime: app.nextStopTime,
  };
}

export function filterApplications(apps: readonly Application[], c: FilterCriterion): Application[] {
  return apps.filter((a) => matchesFilter(c, applicationProperties(a)));
}
