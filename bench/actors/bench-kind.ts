/** The embedded benchmark's actor kind: a counter that answers its count. */
import { defineActorKind } from '../../actors/actor-kind.ts';

export type BenchMsg = { type: 'ping' } | { type: 'inc' } | { type: 'get' };

export const benchKind = defineActorKind<{ n: number }, BenchMsg, number>({
  name: 'bench',
  schemaVersion: 1,
  initialState: () => ({ n: 0 }),
  decodeMessage: (raw) => raw as BenchMsg,
  decodeState: (s) => s as { n: number },
  handle(ctx, msg) {
    if (msg.type === 'inc') ctx.setState({ n: ctx.state.n + 1 });
    return ctx.state.n;
  },
});
