// An endpoint is one way to reach a Docker engine: its own unix socket, or one of the gateway's listeners.
// Tests run the same workflow on several endpoints and compare what they see.

import { readFileSync } from 'node:fs';
import { connect as connectUnix, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as connectTls, type ConnectionOptions, type TLSSocket } from 'node:tls';

export interface Endpoint {
  /** Names the endpoint in assertion messages: `direct`, `gateway-unix`, `gateway-tls`. */
  name: string;
  /** What the docker CLI takes as DOCKER_HOST: `unix:///path` or `tcp://127.0.0.1:port`. */
  host: string;
  /** For TLS endpoints: a directory in Docker's layout (ca.pem, cert.pem, key.pem) for DOCKER_CERT_PATH. */
  tlsDir?: string | undefined;
}

/**
 * Opens a raw connection to the endpoint, for requests the docker CLI cannot make.
 * allowHalfOpen: after we end our side (stdin EOF) the engine's output must still be readable.
 */
export function openSocket(endpoint: Endpoint): Socket | TLSSocket {
  const url = new URL(endpoint.host);
  if (url.protocol === 'unix:') return connectUnix({ path: url.pathname, allowHalfOpen: true });
  if (url.protocol === 'tcp:' && endpoint.tlsDir !== undefined) {
    // tls.connect honours allowHalfOpen, but @types/node does not list it among its options.
    const options: ConnectionOptions & { allowHalfOpen: boolean } = {
      host: url.hostname,
      port: Number(url.port),
      ca: readFileSync(join(endpoint.tlsDir, 'ca.pem')),
      cert: readFileSync(join(endpoint.tlsDir, 'cert.pem')),
      key: readFileSync(join(endpoint.tlsDir, 'key.pem')),
      allowHalfOpen: true,
    };
    return connectTls(options);
  }
  throw new Error(`endpoint ${endpoint.name}: cannot connect to ${endpoint.host}`);
}
