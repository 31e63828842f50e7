// The key per-identity limits count by: one client, however many connections it opens. A unix peer is
// its uid (every process of a user is that user), a TLS peer its certificate (one certificate, one
// client, wherever it connects from), a plain tcp peer its address without the port (each connection
// has a port of its own).
import type { Identity } from '../identify/identity.js';

export function identityKey(identity: Identity): string {
  switch (identity.kind) {
    case 'unix':
      return `uid:${identity.uid}`;
    case 'tls':
      return `cert:${identity.fingerprint}`;
    case 'tcp':
      return `addr:${identity.address.slice(0, identity.address.lastIndexOf(':'))}`;
  }
}
