/**
 * `ravel admin org create NAME --admin-email EMAIL ...`: operators' calls, made with an
 * operator token (`rvop_...`) rather than a user's session. The token comes from
 * --operator-token, RAVEL_OPERATOR_TOKEN, --operator-token-file, or the file an embedded node
 * writes at first start (`./data/operator-token`, or under RAVEL_DATA_DIR).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RavelError } from '../../core/errors.ts';
import { EXIT, usageError } from '../lib/exit-codes.ts';
import { printJson } from '../lib/output.ts';
import { apiRoot, RestClient } from '../lib/rest-client.ts';
import { readCliConfig } from '../lib/cli-config.ts';

export const OPERATOR_TOKEN_FILE = 'operator-token';

export const adminUsage = `usage: ravel admin org create NAME --admin-email EMAIL [--admin-password P] [--identity-domain D]
                             [--description D] [--url URL] [--operator-token T | --operator-token-file F] [--json]
  The admin's password comes from --admin-password or RAVEL_ADMIN_PASSWORD, or is made and printed once.
`;

function operatorToken(flag: string | undefined, file: string | undefined): string {
  const given = flag ?? process.env['RAVEL_OPERATOR_TOKEN'];
  if (given !== undefined && given !== '') return given.trim();
  const path = file ?? join(process.env['RAVEL_DATA_DIR'] ?? 'data', OPERATOR_TOKEN_FILE);
  if (!existsSync(path))
    throw new RavelError('UNAUTHENTICATED', `no operator token: pass --operator-token, set RAVEL_OPERATOR_TOKEN, or point --operator-token-file at the node's (${path} does not exist)`);
  return readFileSync(path, 'utf8').trim();
}

export async function runAdmin(args: readonly string[]): Promise<number> {
  const [noun, verb, ...rest] = args;
  if (noun === 'org' && verb === 'create') return createOrganization(rest);
  if (noun === undefined || noun === 'help' || noun === '--help') {
    process.stdout.write(adminUsage);
    return noun === undefined ? EXIT.usage : EXIT.ok;
  }
  throw usageError(`unknown admin command '${[noun, verb].join(' ')}'\n${adminUsage}`);
}

async function createOrganization(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      json: { type: 'boolean' },
      'admin-email': { type: 'string' },
      'admin-password': { type: 'string' },
      'identity-domain': { type: 'string' },
      description: { type: 'string' },
      'operator-token': { type: 'string' },
      'operator-token-file': { type: 'string' },
    },
  });
  const name = positionals[0];
  if (name === undefined) throw usageError(`an organization name is required\n${adminUsage}`);
  const email = values['admin-email'];
  if (email === undefined) throw usageError(`--admin-email is required\n${adminUsage}`);
  const url = values.url ?? process.env['RAVEL_URL'] ?? readCliConfig().current;
  if (url === undefined) throw usageError(`--url is required\n${adminUsage}`);
  const token = operatorToken(values['operator-token'], values['operator-token-file']);
  const givenPassword = values['admin-password'] ?? process.env['RAVEL_ADMIN_PASSWORD'];
  const password = givenPassword ?? randomBytes(12).toString('base64url');
  const domain = values['identity-domain'];
  const body = {
    name,
    ...(values.description === undefined ? {} : { description: values.description }),
    ...(domain === undefined ? {} : { identityDomain: domain }),
    admin: { email, password },
  };
  const client = new RestClient(apiRoot(url), { 'X-Ephemeral-Token-Authorization': token }, 'operator');
  const r = await client.call<{ organization: { id: number; name: string }; admin: { id: number; email: string } }>(
    'POST',
    '/admin/organizations',
    body,
    { idempotent: true },
  );
  const login = domain === undefined ? email : `${domain}/${email}`;
  if (values.json === true)
    printJson({ organization: r.organization, admin: r.admin, login, ...(givenPassword === undefined ? { password } : {}) });
  else {
    process.stdout.write(`created organization ${r.organization.id} (${r.organization.name}); its admin logs in as ${login}\n`);
    if (givenPassword === undefined) process.stdout.write(`admin password (shown once): ${password}\n`);
  }
  return EXIT.ok;
}
