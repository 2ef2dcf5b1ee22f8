/**
 * Test certificates made with `openssl` into a directory: a CA, a server certificate for
 * 127.0.0.1/localhost, and client certificates signed by the CA (for mutual TLS). P-256 keys,
 * valid for a day.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface TestPki {
  readonly dir: string;
  readonly caFile: string;
  readonly server: CertFiles;
  /** A client certificate with `name` as its common name, made on first ask. */
  client(name: string): CertFiles;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function signed(dir: string, name: string, cn: string, ext: string): CertFiles {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, ['req', ...newKey, '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '1', '-out', `${name}.pem`, '-extfile', `${name}.ext`]);
  return { certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}-key.pem`) };
}

/** Makes a CA and a server certificate in `dir` (which must exist). */
export function makeTestPki(dir: string): TestPki {
  openssl(dir, ['req', '-x509', ...newKey, '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=ravel-test-ca']);
  const server = signed(dir, 'server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  const clients = new Map<string, CertFiles>();
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    server,
    client(name) {
      let c = clients.get(name);
      if (c === undefined) {
        c = signed(dir, `client-${name}`, name, 'extendedKeyUsage=clientAuth\n');
        clients.set(name, c);
      }
      return c;
    },
  };
}
