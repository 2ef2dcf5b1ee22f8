/**
 * `ravel login --url URL --user USER [--password P | --password-stdin]`: logs in with Basic
 * credentials and keeps the session cookie for that server in the user's config file (0600),
 * so later commands need only --url, or nothing when it is the server used last.
 * `ravel logout [--url URL]` ends the session and forgets it.
 */
import { parseArgs } from 'node:util';
import { basicLogin } from '../lib/basic-login.ts';
import { forgetSession, readCliConfig, saveSession } from '../lib/cli-config.ts';
import { usageError } from '../lib/exit-codes.ts';
import { readPassword } from '../lib/read-password.ts';
import { apiRoot, connect } from '../lib/rest-client.ts';
import { printJson } from '../lib/output.ts';

export const loginUsage = 'usage: ravel login --url URL --user USER [--password PASSWORD | --password-stdin] [--json]';

export async function runLogin(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      url: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  const url = values.url ?? process.env['RAVEL_URL'] ?? readCliConfig().current;
  if (url === undefined) throw usageError(`--url is required\n${loginUsage}`);
  const api = apiRoot(url);
  const user = values.user ?? process.env['RAVEL_USER'];
  if (user === undefined) throw usageError(`--user is required\n${loginUsage}`);
  const password =
    values.password ??
    (values['password-stdin'] === true ? undefined : process.env['RAVEL_PASSWORD']) ??
    (await readPassword(`password for ${user}: `));

  const { cookie, expiresAt, user: info } = await basicLogin(api, user, password);
  saveSession(api, expiresAt === undefined ? { user, cookie } : { user, cookie, expiresAt });
  if (values.json === true) printJson({ api, user, userId: info.id, expiresAt: expiresAt ?? null });
  else
    process.stdout.write(
      `logged in to ${api} as ${user}${expiresAt === undefined ? '' : ` until ${new Date(expiresAt).toISOString()}`}\n`,
    );
  return 0;
}

export async function runLogout(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { url: { type: 'string' } } });
  const client = connect({ url: values.url });
  await client.call('POST', '/logout').catch(() => undefined); // forgotten either way
  forgetSession(client.api);
  process.stdout.write(`logged out of ${client.api}\n`);
  return 0;
}
