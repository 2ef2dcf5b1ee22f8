/**
 * Keeps docs/LIVE.md (the live WebSocket protocol for client writers) true where that is
 * mechanical: every message type and close code the code defines is in it, its JSON examples
 * pass the code's schemas and encoders, and the credentials and default limits it names are the
 * code's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { EventRecord, matches } from '../../domain/schemas/index.ts';
import { topicsOf } from '../../events/live-event-source.ts';
import { SESSION_COOKIE, TOKEN_HEADER } from '../auth/credentials.ts';
import {
  Command,
  INVALID_COMMAND,
  noOrganizationError,
  notYourOrganizationError,
  organizationRequiredError,
  rateLimitedError,
  tooManyTopicsError,
  unknownTopicError,
} from './live-endpoint.ts';
import { CloseCodes } from './live-events.ts';
import { INTERNAL_ERROR, snapshotMessage } from './live-hub.ts';
import { eventMessage } from './tenant-feed.ts';

const liveDir = new URL('./', import.meta.url);
const doc = readFileSync(new URL('../../docs/LIVE.md', import.meta.url), 'utf8');
const sourceOf = (file: string): string => readFileSync(new URL(file, liveDir), 'utf8');
const liveSources = readdirSync(liveDir)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map(sourceOf);

type Example = Record<string, unknown>;

/** The doc's ```json blocks, each with its text and its value. */
const examples: Array<{ text: string; value: Example }> = [...doc.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => {
  const text = m[1] ?? '';
  const value: unknown = JSON.parse(text);
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `a JSON example is an object: ${text}`);
  return { text, value: value as Example };
});
const opOf = (e: Example): string => (typeof e['op'] === 'string' ? e['op'] : '');

/** What the client may send, from the command schema. */
const clientOps = Command.properties.op.anyOf.map((s) => String(s.const));
/** What the server sends: every `op: '...'` the gateway's live code writes. */
const serverOps = [...new Set(liveSources.flatMap((src) => [...src.matchAll(/\bop: '(\w+)'/g)].map((m) => m[1] ?? '')))];

/** A table row of the doc whose first cells are these. */
function hasRow(...cells: string[]): boolean {
  const start = `| ${cells.join(' | ')} |`;
  return doc.split('\n').some((line) => line.startsWith(start));
}

test('every message type the client sends and the server sends has a JSON example in docs/LIVE.md', () => {
  assert.ok(clientOps.length >= 2 && serverOps.length >= 4, `found ${clientOps.join()} / ${serverOps.join()}`);
  const documented = new Set(examples.map((e) => opOf(e.value)));
  for (const op of [...clientOps, ...serverOps]) assert.ok(documented.has(op), `docs/LIVE.md has an example of "${op}"`);
  for (const op of documented) assert.ok(clientOps.includes(op) || serverOps.includes(op), `"${op}" in docs/LIVE.md is a message the code knows`);
});

test('the JSON examples in docs/LIVE.md are what the code accepts and sends', async () => {
  const snapshotKeys = Object.keys(JSON.parse(snapshotMessage('7', 0, { applications: [], hosts: [] }, [])) as object).sort();
  for (const { text, value } of examples) {
    const op = opOf(value);
    if (clientOps.includes(op)) {
      assert.ok(matches(Command, value), `a command the endpoint accepts: ${text}`);
    } else if (op === 'subscribed') {
      assert.deepEqual(Object.keys(value).sort(), ['op', 'organization', 'topics']);
      assert.ok(Number.isSafeInteger(value['organization']), 'an organization id');
      assert.ok(Array.isArray(value['topics']) && value['topics'].every((t) => typeof t === 'string'));
    } else if (op === 'error') {
      const other = /organization (\d+) is not yours/.exec(text)?.[1];
      const sent = [INVALID_COMMAND, unknownTopicError('vm'), tooManyTopicsError(32), rateLimitedError(1), organizationRequiredError];
      if (other !== undefined) sent.push(notYourOrganizationError(Number(other)));
      const missing = /no organization (\d+);/.exec(text)?.[1];
      if (missing !== undefined) sent.push(noOrganizationError(missing));
      assert.ok(sent.includes(text), `an error the endpoint sends: ${text}`);
    } else if (op === 'snapshot') {
      assert.deepEqual(Object.keys(value).sort(), snapshotKeys);
      const seq = value['seq'];
      const events = value['events'];
      assert.ok(typeof seq === 'number' && Array.isArray(events));
      assert.ok(Number.isSafeInteger(value['organization']), 'an organization id');
      for (const e of events) {
        assert.ok(matches(EventRecord, e), `a snapshot event is a stream record: ${JSON.stringify(e)}`);
        assert.ok(e.sequence <= seq, 'a snapshot holds events up to its seq');
      }
    } else if (op === 'event') {
      const data = value['data'];
      assert.ok(matches(EventRecord, data), `an event's data is a stream record: ${text}`);
      assert.equal(value['seq'], data.sequence);
      const topics = topicsOf(data);
      assert.deepEqual(value['topics'], topics, 'the topics the live source gives the record');
      const sent = eventMessage({ tenantId: String(data.tenantId), topics, seq: data.sequence, data });
      assert.equal(text, sent, 'exactly what the feed sends');
    } else assert.fail(`an example of an unknown message: ${text}`);
  }
});

test('every close code and reason the live code uses is in the close code table of docs/LIVE.md', () => {
  const codes = new Map<string, number>([
    ['INTERNAL_ERROR', INTERNAL_ERROR],
    ...Object.entries(CloseCodes).map(([k, v]): [string, number] => [`CloseCodes.${k}`, v]),
  ]);
  for (const code of codes.values()) assert.ok(hasRow(String(code)), `docs/LIVE.md has a row for close code ${code}`);
  const hub = sourceOf('live-hub.ts');
  const closes = [...hub.matchAll(/\b(?:end|endLive)\(\w+,\s*([\w.]+),\s*'([^']+)'\)/g)].map((m) => ({ name: m[1] ?? '', reason: m[2] ?? '' }));
  // Shutdown's default code and reason are the parameters of closeAll.
  const shutdown = /closeAll\(code: number = ([\w.]+), reason = '([^']+)'\)/.exec(hub);
  assert.ok(shutdown !== null, 'closeAll has a default code and reason');
  closes.push({ name: shutdown[1] ?? '', reason: shutdown[2] ?? '' });
  assert.ok(new Set(closes.map((c) => c.reason)).size >= 3, `found ${JSON.stringify(closes)}`);
  for (const { name, reason } of closes) {
    const code = codes.get(name);
    assert.ok(code !== undefined, `${name} is a known close code`);
    assert.ok(hasRow(String(code), `\`${reason}\``), `docs/LIVE.md has the row | ${code} | \`${reason}\` |`);
  }
});

test('docs/LIVE.md names the credentials and the default limits the gateway uses', () => {
  assert.ok(doc.includes(`\`${SESSION_COOKIE}\``), 'the session cookie');
  assert.ok(doc.toLowerCase().includes(`\`${TOKEN_HEADER}\``), 'the token header');
  const gateway = readFileSync(new URL('../create-gateway.ts', import.meta.url), 'utf8');
  const tuned = (name: string): number => {
    const m = new RegExp(`\\b${name}: ([\\d_ *]+),`).exec(gateway);
    assert.ok(m !== null, `create-gateway.ts has a default ${name}`);
    return (m[1] ?? '').split('*').reduce((n, f) => n * Number(f.trim().replaceAll('_', '')), 1);
  };
  const bytes = (n: number): string => (n % 2 ** 20 === 0 ? `${n / 2 ** 20} MiB` : `${n / 1024} KiB`);
  const limitRow = (name: string, value: string): void =>
    assert.ok(doc.split('\n').some((l) => l.startsWith('| ') && l.includes(`| ${value} (\`${name}\`)`)), `the limits table gives ${name} as ${value}`);
  limitRow('wsMaxPayloadBytes', bytes(tuned('wsMaxPayloadBytes')));
  limitRow('wsMaxBufferedBytes', bytes(tuned('wsMaxBufferedBytes')));
  limitRow('wsMaxSnapshotBytes', bytes(tuned('wsMaxSnapshotBytes')));
  limitRow('wsMaxTopicsPerClient', String(tuned('wsMaxTopicsPerClient')));
  limitRow('wsIdleTimeoutSeconds', `${tuned('wsIdleTimeoutSeconds')} s`);
  const topicLimits = Command.properties.topics;
  assert.ok(doc.includes(`| ${topicLimits.maxItems}, each ${topicLimits.items.minLength} to ${topicLimits.items.maxLength} characters |`), 'topics per command');
});
