/**
 * Where the gateway's TLS key and certificate come from: the configured files, or for
 * development a self-signed certificate made at first start in `<dataDir>/tls/` and reused
 * afterwards (so a browser exception, once accepted, stays valid).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../core/log.ts';
import type { RavelConfig } from '../../config/schema.ts';
import { RavelError } from '../../core/errors.ts';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile?: string;
}

/** undefined: plain HTTP. */
export async function resolveTls(
  tls: RavelConfig['gateway']['tls'],
  dataDir: string,
  log: Logger,
): Promise<TlsFiles | undefined> {
  if (tls === 'off') return undefined;
  if (tls !== 'self-signed') {
    for (const f of [tls.certFile, tls.keyFile]) {
      if (!existsSync(f))
        throw new RavelError('CONFIG_INVALID', `gateway.tls: file not found: ${f}`);
    }
    return tls;
  }
  const dir = join(dataDir, 'tls');
  const certFile = join(dir, 'gateway-cert.pem');
  const keyFile = join(dir, 'gateway-key.pem');
  if (existsSync(certFile) && existsSync(keyFile)) return { certFile, keyFile };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Loaded only here: it pulls in a whole X.509 library that production never needs.
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 825 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  writeFileSync(certFile, pems.cert, { mode: 0o644 });
  log.warn({ certFile }, 'generated a self-signed development certificate for the gateway');
  return { certFile, keyFile };
}
