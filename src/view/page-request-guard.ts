// Refuses requests for the live view (its page, assets, event stream and audit refresh) that a page of
// another site made, or that came by DNS rebinding, as browser-request-guard.ts does for the insecure
// loopback listener. The difference: the live view is a page, so its own requests are browser requests.
// What it accepts from a browser is what only its own page sends:
//  - `Host` one of the listener's loopback names (host-names.ts `loopbackHostNames`): after DNS rebinding
//    it would be the attacker's name;
//  - `Sec-Fetch-Site` `same-origin` (the page's own fetches, scripts and event stream) or `none` (the user
//    typed the address); `cross-site` and `same-site` are other pages;
//  - `Origin`, which browsers add to posts and cross-origin requests, absent or this very origin.
// curl and monitoring tools send none of the browser headers and pass on their Host alone.
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors/catalogue.js';
import { occurrences, type RequestGuard } from '../listen/browser-request-guard.js';
import type { HostNames } from '../listen/host-names.js';

const OWN_SITE = new Set(['same-origin', 'none']);

export function pageRequestGuard(hosts: HostNames): RequestGuard {
  const fix = `Open the live view at http://${hosts.example}/ itself; other pages may not read it or drive it`;
  return (req: IncomingMessage) => {
    const what = `${req.method ?? 'GET'} ${(req.url ?? '/').split('?')[0]} on the admin listener`;
    const host = req.headers.host;
    if (host === undefined || occurrences(req, 'host') !== 1 || !hosts.accepts(host.toLowerCase())) {
      throw new GatewayError('DG_BROWSER_HOST', {
        what,
        why: `its Host is ${host === undefined ? 'missing' : occurrences(req, 'host') !== 1 ? 'given more than once' : 'not a loopback name of this listener'} (accepted: ${hosts.accepted}); a page that re-pointed its own name at this address (DNS rebinding) sends its name`,
        fix,
      });
    }
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && !OWN_SITE.has(site)) {
      throw new GatewayError('DG_BROWSER_FETCH_SITE', { what, why: `it carries Sec-Fetch-Site ${site}: a page of another origin made it`, fix });
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${host.toLowerCase()}`) {
      throw new GatewayError('DG_BROWSER_ORIGIN', { what, why: "its Origin is not the live view's own: a page of another origin made it", fix });
    }
  };
}
