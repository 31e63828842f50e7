// What a TCP listener of dockerd really speaks, asked from this host: GET /_ping in plain HTTP, then over
// TLS without a client certificate. An engine that answers either is open to whoever reaches the port.
// Wildcard listeners are probed on loopback; traffic never leaves the host.
import { rawGet, isHttpToHttpsAnswer, type EngineAddress } from './engine-api.js';
import type { ActualListener } from './context.js';
import type { InetSocket } from './host/proc.js';

const PROBE_TIMEOUT_MS = 3_000;

function probeAddress(socket: InetSocket): string {
  if (socket.address === '0.0.0.0') return '127.0.0.1';
  if (socket.address === '::') return '::1';
  if (socket.address.startsWith('::ffff:')) return socket.address.slice('::ffff:'.length);
  return socket.address;
}

export async function probeListener(socket: InetSocket): Promise<ActualListener> {
  const host = probeAddress(socket);
  const address: EngineAddress = { kind: 'tcp', url: `tcp://${host.includes(':') ? `[${host}]` : host}:${socket.port}`, host, port: socket.port };
  let plainDetail: string;
  try {
    const plain = await rawGet({ address, path: '/_ping', tls: false, deadlineMs: PROBE_TIMEOUT_MS });
    if (plain.status === 200) return { socket, probe: 'plaintext', probeDetail: `GET http://${host}:${socket.port}/_ping answered 200 without TLS` };
    if (!isHttpToHttpsAnswer(plain)) return { socket, probe: 'unknown', probeDetail: `GET /_ping in plain HTTP answered ${plain.status}` };
    plainDetail = 'plain HTTP is refused (the listener speaks TLS)';
  } catch (err) {
    plainDetail = `plain HTTP failed (${(err as Error).message})`;
  }
  try {
    const tls = await rawGet({ address, path: '/_ping', tls: true, deadlineMs: PROBE_TIMEOUT_MS });
    if (tls.status === 200) return { socket, probe: 'tls-no-verify', probeDetail: `${plainDetail}; GET https://${host}:${socket.port}/_ping without a client certificate answered 200` };
    return { socket, probe: 'tls-verify', probeDetail: `${plainDetail}; over TLS without a client certificate it answered ${tls.status}` };
  } catch (err) {
    const message = (err as Error).message;
    // Go's TLS server aborts the handshake (or the first read) when a required client certificate is missing.
    return { socket, probe: 'tls-verify', probeDetail: `${plainDetail}; a TLS connection without a client certificate was refused (${message})` };
  }
}
