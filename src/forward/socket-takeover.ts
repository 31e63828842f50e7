// Takes a connection away from Node's HTTP server after a request, for the legacy hijack form
// (attach or exec start without an `Upgrade` header: dockerd answers 200 and the connection becomes
// a raw stream). Node offers no public way to do this outside the 'upgrade' event, so this does what
// Node's own upgrade path does: stop the parser from consuming the socket and remove its listeners.
// Pinned by test/e2e/hijack-forms.test.ts on the Node version we ship for.
import type { Socket } from 'node:net';

interface ParsedSocket extends Socket {
  parser?: { unconsume?: () => void } | null;
}

const SERVER_LISTENERS = ['data', 'end', 'drain', 'timeout'] as const;

export function takeOverSocket(socket: Socket): Socket {
  const parser = (socket as ParsedSocket).parser;
  if (!parser || typeof parser.unconsume !== 'function') {
    throw new Error('this Node.js version does not let dockgate take over a connection for the legacy hijack form');
  }
  parser.unconsume();
  for (const event of SERVER_LISTENERS) socket.removeAllListeners(event);
  socket.setTimeout(0);
  return socket;
}
