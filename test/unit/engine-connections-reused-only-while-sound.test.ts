// The pool of engine connections (src/forward/engine-connections.ts): a connection is reused only while it
// is sound. One the engine closed, one that spoke while idle, and one idle for longer than the pool's bound
// (dockerd 23+ closes idle connections after 5 minutes) are not handed out again.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EngineConnections, type ConnectionUser, type EngineConnection } from '../../src/forward/engine-connections.js';

const idleUser: ConnectionUser = { onBytes: () => undefined, onClose: () => undefined };
let dir: string;
let socketPath: string;
let server: net.Server;
/** The engine side of every connection, in the order they were accepted. */
const accepted: net.Socket[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dg-pool-'));
  socketPath = join(dir, 'engine.sock');
  server = net.createServer((socket) => accepted.push(socket.on('error', () => undefined)));
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

after(async () => {
  for (const socket of accepted) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const settle = (ms = 50): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('a released connection is handed out again while fresh', async () => {
  const pool = new EngineConnections(socketPath, 4);
  const first = pool.acquire(idleUser);
  first.release();
  const again = pool.acquire(idleUser);
  assert.equal(again, first);
  again.release();
  pool.close();
});

test('a connection idle for longer than the bound is closed instead of reused', async () => {
  const pool = new EngineConnections(socketPath, 4, 20);
  const first = pool.acquire(idleUser);
  first.release();
  await settle();
  const next = pool.acquire(idleUser);
  assert.notEqual(next, first);
  assert.equal(first.socket.destroyed, true, 'the stale connection is closed');
  next.release();
  pool.close();
});

/** A pool holding one idle connection, and the engine's side of that connection. */
async function oneIdleConnection(): Promise<{ pool: EngineConnections; idle: EngineConnection; engineSide: net.Socket }> {
  const pool = new EngineConnections(socketPath, 4);
  await settle(); // the earlier tests' connections have all been accepted
  const before = accepted.length;
  const idle = pool.acquire(idleUser);
  idle.release();
  await settle();
  assert.equal(accepted.length, before + 1);
  return { pool, idle, engineSide: accepted.at(-1)! };
}

test('a connection the engine closed while idle leaves the pool', async () => {
  const { pool, idle, engineSide } = await oneIdleConnection();
  engineSide.destroy();
  await settle();
  const next = pool.acquire(idleUser);
  assert.notEqual(next, idle);
  next.release();
  pool.close();
});

test('a connection that receives bytes while idle is destroyed, not reused', async () => {
  const { pool, idle, engineSide } = await oneIdleConnection();
  engineSide.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
  await settle();
  assert.equal(idle.socket.destroyed, true);
  const next = pool.acquire(idleUser);
  assert.notEqual(next, idle);
  next.release();
  pool.close();
});
