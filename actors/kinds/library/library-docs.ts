/** Documentation notes on disk images, library VMs and blueprints: read and replace. */
import { match } from 'ts-pattern';
import type { Documentation, LibraryObjectKind } from '../../../domain/schemas/index.ts';
import type { ResourceType } from '../../../domain/tenancy/principal.ts';
import type { LibraryMsg } from './library-messages.ts';
import { docKey, type LibraryState } from './library-state.ts';
import { allow, commit, find, type LibCtx } from './library-turn.ts';

type Msg<T extends LibraryMsg['type']> = Extract<LibraryMsg, { type: T }>;

/** NOT_FOUND unless the object exists. */
function target(s: LibraryState, kind: LibraryObjectKind, id: number): void {
  match(kind)
    .with('diskImage', () => find(s.diskImages, id, 'disk image'))
    .with('image', () => find(s.images, id, 'image'))
    .with('blueprint', () => find(s.blueprints, id, 'blueprint'))
    .exhaustive();
}

const typeOf = (kind: LibraryObjectKind): ResourceType =>
  match(kind).with('diskImage', () => 'DISK_IMAGE' as const).with('image', () => 'IMAGE' as const).with('blueprint', () => 'BLUEPRINT' as const).exhaustive();

export function getDocumentation(ctx: LibCtx, m: Msg<'getDocumentation'>): Documentation {
  allow(ctx, m.principal, 'READ', typeOf(m.kind), m.id);
  target(ctx.state, m.kind, m.id);
  return { content: ctx.state.docs[docKey(m.kind, m.id)] ?? '' };
}

export function setDocumentation(ctx: LibCtx, m: Msg<'setDocumentation'>): Documentation {
  allow(ctx, m.principal, 'UPDATE', typeOf(m.kind), m.id);
  target(ctx.state, m.kind, m.id);
  const s = ctx.state;
  commit(ctx, { ...s, docs: { ...s.docs, [docKey(m.kind, m.id)]: m.documentation.content } }, m.principal, []);
  return m.documentation;
}
