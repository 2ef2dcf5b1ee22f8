/** An event handed to the organization by another actor's outbox (events/event-outbox.ts), as a schema. */
import { Type } from '@sinclair/typebox';
import { EpochMillis } from '../../../domain/schemas/index.ts';
import { EventNameSchema, SubjectRef } from '../../../domain/schemas/event.ts';
import { PrincipalSchema } from './principal-schema.ts';

export const ForwardedEventSchema = Type.Object({
  localSeq: Type.Integer({ minimum: 1 }),
  name: EventNameSchema,
  principal: PrincipalSchema,
  subjects: Type.Optional(Type.Array(SubjectRef, { maxItems: 16 })),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  time: EpochMillis,
});
