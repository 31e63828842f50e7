// The client a record is about, as the live view names and counts it: the same for every request one client
// makes (so no pid, no source port, which change from one docker command to the next), different between
// clients a policy tells apart.

import type { Identity } from '../identify/identity.js';

/** `container web`, `uid=1000(ci)`, `cn=alice`, `tcp 127.0.0.1`. */
export function clientLabel(identity: Identity): string {
  switch (identity.kind) {
    case 'unix':
      if (identity.container !== undefined) return `container ${identity.container.name}`;
      return `uid=${identity.uid}${identity.user !== undefined ? `(${identity.user})` : ''}`;
    case 'tls':
      return identity.cn !== undefined ? `cn=${identity.cn}` : `certificate ${identity.fingerprint.slice(0, 23)}`;
    case 'tcp':
      return `tcp ${addressWithoutPort(identity.address)}`;
  }
}

/** `127.0.0.1:5123` → `127.0.0.1`; `[::1]:5123` → `[::1]`. */
function addressWithoutPort(address: string): string {
  const colon = address.lastIndexOf(':');
  return colon > 0 && /^\d+$/.test(address.slice(colon + 1)) ? address.slice(0, colon) : address;
}
