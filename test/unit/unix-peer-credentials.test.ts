// Proves that a unix-socket client is identified by the kernel's record of who connected (SO_PEERCRED),
// from this process and from a child running as nobody, with names resolved once per id.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { UnixPeer } from '../../src/identify/identity.js';
import { unixPeerIdentity } from '../../src/identify/peer-credentials.js';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

// The module under test loads the same addon object through require's cache: wrapping its export
// here counts the name lookups the module makes.
const addon = createRequire(import.meta.url)('../../build/Release/peer_credentials.node') as {
  accountNames(uid: number, gid: number): { user?: string; group?: string };
};
const lookups: Array<[number, number]> = [];
const realAccountNames = addon.accountNames.bind(addon);
addon.accountNames = (uid, gid) => {
  lookups.push([uid, gid]);
  return realAccountNames(uid, gid);
};

let dir: string;
let socketPath: string;
let listener: string;
let server: net.Server;
const identities: Array<Promise<UnixPeer>> = [];

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dockgate-peercred-'));
  socketPath = path.join(dir, 'gate.sock');
  listener = `unix://${socketPath}`;
  server = net.createServer((socket) => {
    identities.push(
      new Promise((resolve, reject) => {
        try {
          resolve(unixPeerIdentity(socket, listener));
        } catch (error) {
          reject(error);
        } finally {
          socket.end();
        }
      }),
    );
  });
  server.listen(socketPath);
  await once(server, 'listening');
  // nobody must be able to reach and connect to the socket (connect needs write permission on it).
  await chmod(dir, 0o755);
  await chmod(socketPath, 0o777);
});

after(async () => {
  server.close();
  await rm(dir, { recursive: true, force: true });
});

/** Connects once from this process and returns what the server identified. */
async function connectFromHere(): Promise<UnixPeer> {
  const before = identities.length;
  const client = net.connect(socketPath);
  await once(client, 'connect');
  while (identities.length === before) await new Promise((resolve) => setImmediate(resolve));
  client.destroy();
  return identities[before]!;
}

test('a connection from this process carries its own uid, gid, pid and names', async () => {
  const identity = await connectFromHere();
  assert.deepEqual(identity, {
    kind: 'unix',
    listener,
    uid: process.getuid!(),
    gid: process.getgid!(),
    pid: process.pid,
    ...(isRoot && { user: 'root', group: 'root' }),
  });
});

test('names are looked up once per id, not per connection', async () => {
  await connectFromHere();
  await connectFromHere();
  await connectFromHere();
  const own = lookups.filter(([uid]) => uid === process.getuid!());
  assert.equal(own.length, 1);
});

test('a child running as nobody is identified as uid/gid 65534 with its own pid', { skip: !isRoot && 'needs root to switch to nobody' }, async () => {
  const before = identities.length;
  const clientSource = `
    const socket = require('node:net').connect(${JSON.stringify(socketPath)});
    socket.on('connect', () => process.stdout.write(String(process.pid)));
    socket.on('close', () => process.exit(0));
    socket.resume();`;
  const child = spawn('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, '-e', clientSource], { cwd: '/', stdio: ['ignore', 'pipe', 'inherit'] });
  let printedPid = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (printedPid += chunk));
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);

  assert.equal(identities.length, before + 1);
  const identity = await identities[before]!;
  // setpriv execs node, so the spawned pid is the client's pid.
  assert.equal(Number(printedPid), child.pid);
  assert.deepEqual(identity, {
    kind: 'unix',
    listener,
    uid: NOBODY,
    gid: NOBODY,
    pid: child.pid,
    user: 'nobody',
    group: 'nogroup',
  });
});

test('a destroyed socket has no fd: a clear error, not a bogus identity', () => {
  const socket = new net.Socket();
  assert.throws(() => unixPeerIdentity(socket, listener), {
    message: `cannot identify a client on ${listener}: the connection has no file descriptor (it was already closed, or it is not a unix-socket connection)`,
  });
});

test('a TCP connection is refused: SO_PEERCRED would return made-up ids', async () => {
  const tcp = net.createServer();
  tcp.listen(0, '127.0.0.1');
  await once(tcp, 'listening');
  const accepted = once(tcp, 'connection') as Promise<[net.Socket]>;
  const client = net.connect((tcp.address() as net.AddressInfo).port, '127.0.0.1');
  const [socket] = await accepted;
  try {
    assert.throws(() => unixPeerIdentity(socket, 'tcp://127.0.0.1'), { code: 'EAFNOSUPPORT', syscall: 'getsockopt' });
  } finally {
    socket.destroy();
    client.destroy();
    tcp.close();
  }
});
