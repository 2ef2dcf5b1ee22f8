/**
 * Key pairs: created from a public key or generated (ed25519, OpenSSH public format); deleted
 * softly, so VMs that named one still read it back, marked `deleted`. The private key of a
 * generated pair is answered once and never stored.
 */
import { generateKeyPairSync } from 'node:crypto';
import { RavelError } from '../../core/errors.ts';
import type { KeyPair } from '../schemas/library.ts';

export interface KeyPairStore {
  readonly keyPairs: readonly KeyPair[];
}

/** Checks an OpenSSH public key line (`type base64 [comment]`); INVALID_ARGUMENT otherwise. */
export function checkPublicKey(line: string): void {
  const m = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)) ([A-Za-z0-9+/]+={0,2})( [^\r\n]*)?$/.exec(line.trim());
  const blob = m === null ? undefined : Buffer.from(m[2] ?? '', 'base64');
  const typeLen = blob !== undefined && blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (m === null || blob === undefined || typeLen <= 0 || blob.subarray(4, 4 + typeLen).toString('latin1') !== m[1]) {
    throw new RavelError('INVALID_ARGUMENT', 'publicKey: not an OpenSSH public key', { details: { field: 'publicKey' } });
  }
}

export function createKeyPair(store: KeyPairStore, id: number, name: string, publicKey: string, now: number): { store: KeyPairStore; keyPair: KeyPair } {
  checkPublicKey(publicKey);
  const keyPair: KeyPair = { id, name, publicKey: publicKey.trim(), creationTime: now };
  return { store: { keyPairs: [...store.keyPairs, keyPair] }, keyPair };
}

/** Makes an ed25519 pair; answers the private key (PKCS#8 PEM) once beside the stored record. */
export function generateKeyPair(store: KeyPairStore, id: number, name: string, now: number): { store: KeyPairStore; keyPair: KeyPair; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const type = Buffer.from('ssh-ed25519');
  const blob = Buffer.concat([u32(type.length), type, u32(raw.length), raw]);
  const line = `ssh-ed25519 ${blob.toString('base64')} ${name.replace(/\s+/g, '-')}`;
  const r = createKeyPair(store, id, name, line, now);
  return { ...r, privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Marks the pair deleted; NOT_FOUND when unknown or already deleted. */
export function deleteKeyPair(store: KeyPairStore, id: number): KeyPairStore {
  const k = store.keyPairs.find((x) => x.id === id);
  if (k === undefined || k.deleted === true) throw new RavelError('NOT_FOUND', `no key pair ${id}`);
  return { keyPairs: store.keyPairs.map((x) => (x.id === id ? { ...x, deleted: true } : x)) };
}

/** What create answers: the record without its keys (API.md). */
export function keyPairSummary(k: KeyPair): KeyPair {
  const { publicKey: _p, privateKey: _s, ...rest } = k;
  return rest;
}
