/**
 * Subjects, names and keys are checked here, before anything is sent, so both buses refuse the
 * same inputs with the same codes. Also the wildcard matcher the embedded bus routes with.
 */
import { RavelError } from '../core/errors.ts';

const TOKEN = /^[A-Za-z0-9_-]+$/;
const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const KV_KEY = /^[-/_=.A-Za-z0-9]+$/;
const MAX_SUBJECT = 1024;

/** Reply inboxes start with `_INBOX.`: plain tokens, so a subject check lets them through. */
export const INBOX_PREFIX = '_INBOX';

/** Subjects already found valid (without wildcards): publishing checks each one once. */
const knownValid = new Set<string>();

/** Throws SUBJECT_INVALID unless `subject` is dot-separated tokens (wildcards only if allowed). */
export function checkSubject(subject: string, wildcards = false): void {
  if (knownValid.has(subject)) return;
  if (typeof subject !== 'string' || subject.length === 0 || subject.length > MAX_SUBJECT) {
    throw invalid(subject, 'empty or too long');
  }
  const tokens = subject.split('.');
  tokens.forEach((t, i) => {
    if (TOKEN.test(t)) return;
    if (wildcards && t === '*') return;
    if (wildcards && t === '>' && i === tokens.length - 1) return;
    throw invalid(subject, wildcards ? 'bad token or misplaced wildcard' : 'bad token (no wildcards here)');
  });
  if (!wildcards || !/(^|\.)[*>](\.|$)/.test(subject)) {
    if (knownValid.size >= 10_000) knownValid.clear();
    knownValid.add(subject);
  }
}

/** Throws INVALID_ARGUMENT unless `name` can name a stream, consumer or bucket. */
export function checkName(name: string, what: string): void {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new RavelError('INVALID_ARGUMENT', `${what} name ${JSON.stringify(name)} must be 1-64 letters, digits, _ or -`, {
      details: { [what]: name },
    });
  }
}

/** Throws INVALID_ARGUMENT unless `key` is a valid key-value key (NATS KV's rule). */
export function checkKvKey(key: string): void {
  if (typeof key !== 'string' || !KV_KEY.test(key) || key.startsWith('.') || key.endsWith('.') || key.includes('..')) {
    throw new RavelError('INVALID_ARGUMENT', `key ${JSON.stringify(key)} must be letters, digits and - / _ = . (no empty segment)`);
  }
}

/** Whether a concrete subject matches a pattern with `*` and `>` wildcards. */
export function subjectMatches(pattern: string, subject: string): boolean {
  if (pattern === subject) return true;
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    const t = p[i];
    if (t === '>') return s.length > i;
    if (i >= s.length) return false;
    if (t !== '*' && t !== s[i]) return false;
  }
  return p.length === s.length;
}

/** Whether two patterns can match a common subject (streams may not overlap). */
export function subjectsOverlap(a: string, b: string): boolean {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const s = x[i];
    const t = y[i];
    if (s === '>' || t === '>') return s !== undefined && t !== undefined;
    if (s === undefined || t === undefined) return false;
    if (s !== '*' && t !== '*' && s !== t) return false;
  }
  return true;
}

function invalid(subject: unknown, why: string): RavelError {
  return new RavelError('SUBJECT_INVALID', `subject ${JSON.stringify(subject)} is invalid: ${why}`, {
    details: { subject: String(subject) },
  });
}
