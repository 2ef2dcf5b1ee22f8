/**
 * What plain HTTP gets when TLS is on (the optional `gateway.plainHttpPort`): pages (the
 * console) are redirected to https with 308; API calls are refused with 403, not
 * redirected, because by the time a redirect arrives the client has already sent its
 * password or token in clear text, and following redirects would teach it to keep doing so.
 */
import uws from '@trufflesuite/uws-js-unofficial';
import { RavelError } from '../../core/errors.ts';
import { encodeError, statusLine } from '../http/wire-reply.ts';

export function plainHttpApp(httpsPort: number, apiPrefix: string): uws.TemplatedApp {
  return uws.App().any('/*', (res, req) => {
    const url = req.getUrl();
    const query = req.getQuery();
    // Only a host name or address, so the redirect cannot be bent into something else.
    const rawHost = req.getHeader('host').replace(/:\d+$/, '');
    const host = /^[A-Za-z0-9.\-[\]:]{1,255}$/.test(rawHost) ? rawHost : 'localhost';
    if (url.startsWith(apiPrefix)) {
      const e = encodeError(
        new RavelError(
          'PERMISSION_DENIED',
          `TLS required: use https://${host}:${httpsPort}${apiPrefix}`,
        ),
      );
      res.cork(() => {
        res.writeStatus(statusLine(e.status));
        for (const [k, v] of e.headers) res.writeHeader(k, v);
        res.end(e.body, true);
      });
      return;
    }
    const target = `https://${host}:${httpsPort}${url}${query ? `?${query}` : ''}`;
    res.cork(() => res.writeStatus(statusLine(308)).writeHeader('Location', target).end('', true));
  });
}
