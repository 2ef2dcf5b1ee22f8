import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRavelError } from '../../core/errors.ts';
import { checkPublicKey, createKeyPair, deleteKeyPair, generateKeyPair, keyPairSummary } from './key-pairs.ts';

test('generate makes a valid OpenSSH public key and a private key that is not stored', () => {
  const r = generateKeyPair({ keyPairs: [] }, 1, 'my key', 0);
  checkPublicKey(r.keyPair.publicKey ?? '');
  assert.match(r.privateKey, /BEGIN PRIVATE KEY/);
  assert.equal(JSON.stringify(r.store).includes('PRIVATE'), false);
  assert.deepEqual(keyPairSummary(r.keyPair), { id: 1, name: 'my key', creationTime: 0 });
});

test('a malformed public key is refused', () => {
  for (const bad of ['', 'ssh-rsa', 'ssh-ed25519 bm90IGEga2V5', 'hello world']) {
    assert.throws(() => createKeyPair({ keyPairs: [] }, 1, 'k', bad, 0), (e: unknown) => isRavelError(e, 'INVALID_ARGUMENT'), bad);
  }
});

test('delete is soft: the pair reads back marked deleted; deleting again is NOT_FOUND', () => {
  const { store } = generateKeyPair({ keyPairs: [] }, 1, 'k', 0);
  const after = deleteKeyPair(store, 1);
  assert.equal(after.keyPairs[0]?.deleted, true);
  assert.throws(() => deleteKeyPair(after, 1), (e: unknown) => isRavelError(e, 'NOT_FOUND'));
  assert.throws(() => deleteKeyPair(store, 2), (e: unknown) => isRavelError(e, 'NOT_FOUND'));
});
