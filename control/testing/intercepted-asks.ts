/**
 * The application kind with the asks its turns and reminders make passing through `intercept`:
 * how tests lose an answer (the callee did the work, the caller sees a failure) or fail an ask.
 */
import type { ActorMessage, ActorRef, ActorSender, AnyActorKind, AskOptions } from '../../actors/actor-kind.ts';

/** Gets the real ask and its arguments; answers as the ask would, or throws. */
export type AskInterceptor = (ask: (ref: ActorRef, msg: ActorMessage, options?: AskOptions) => Promise<unknown>, ref: ActorRef, msg: ActorMessage, options?: AskOptions) => Promise<unknown>;

export function interceptApplicationAsks(intercept: AskInterceptor): (kinds: AnyActorKind[]) => AnyActorKind[] {
  const intercepted = (actors: ActorSender): ActorSender =>
    new Proxy(actors, {
      get(target, prop, receiver) {
        if (prop !== 'ask') return Reflect.get(target, prop, receiver) as unknown;
        const ask: ActorSender['ask'] = async (ref, msg, options) => (await intercept((r, m, o) => target.ask(r, m, o), ref, msg, options)) as never;
        return ask;
      },
    });
  const wrap = <C extends { actors: ActorSender }>(ctx: C): C =>
    new Proxy(ctx, { get: (target, prop, receiver) => (prop === 'actors' ? intercepted(target.actors) : (Reflect.get(target, prop, receiver) as unknown)) });
  return (kinds) =>
    kinds.map((k): AnyActorKind => (k.name !== 'application' ? k : { ...k, handle: (ctx, msg) => k.handle(wrap(ctx), msg), onReminder: async (ctx, r) => k.onReminder?.(wrap(ctx), r) }));
}
