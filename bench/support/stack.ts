// What every scenario runs against: one private engine (test/support/engine.ts, with busybox:test), the
// gateway as shipped in front of it (`node bin/dockgate.js serve --profile baseline --audit-log FILE`, with
// a unix listener and a mutual-TLS listener), and HAProxy in front of the same engine socket; for ping, the
// Node floor (node-floor.ts) as well. All targets are unix sockets. stop() ends everything in reverse order;
// an interrupted run is cleaned up by the exit handlers the helpers register (test/support/cleanup-on-exit.ts).

import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { BUSYBOX_IMAGE } from '../../test/support/busybox-image.js';
import { startEngine, type Engine } from '../../test/support/engine.js';
import type { Endpoint } from '../../test/support/endpoint.js';
import { startGatewayInFront, type GatewayInFront } from '../../test/support/gateway.js';
import { createTestPki } from '../../test/support/test-certs.js';
import { startHaproxy, type Haproxy } from './haproxy.js';
import { expectJson, httpRequest, type Target } from './http.js';
import { startNodeFloor } from './node-floor.js';
import type { ProxyProcess } from './proxy-process.js';

export interface Stack {
  engine: Engine;
  gateway: GatewayInFront;
  /** The gateway's mutual-TLS listener, authenticating as alice. */
  tls: Endpoint;
  haproxy: Haproxy;
  direct: Target;
  dockgate: Target;
  haproxyTarget: Target;
  /** The least a Node proxy does to forward a ping (support/node-floor.ts), in front of the same engine. */
  nodeFloor: ProxyProcess;
  nodeFloorTarget: Target;
  /** `Docker Engine 20.10.24+dfsg1 (API 1.41)` */
  engineVersion: string;
  apiVersion: string;
  /** Ends everything started so far, newest first; every step runs even if one fails. */
  stop(): Promise<void>;
}

export const RUNNING_CONTAINERS = ['bench-exec', 'bench-list-1', 'bench-list-2'] as const;
export const ARCHIVE_CONTAINER = 'bench-archive';

export interface StackOptions {
  haproxyServerKeepAlive: boolean;
  /** Serve the admin listener (--admin-listen on a unix socket): what counting the metrics costs. */
  adminListen: boolean;
  log: (line: string) => void;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const steps: (() => Promise<unknown>)[] = [];
  const stop = async (): Promise<void> => {
    const failures: unknown[] = [];
    for (const step of steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
  };
  try {
    const engineStarted = Date.now();
    const engine = await startEngine();
    steps.push(() => engine.stop());
    const direct: Target = { name: 'direct', socketPath: engine.socketPath };
    const version = expectJson<{ Version: string; ApiVersion: string }>(await httpRequest(direct, 'GET', '/version'), 200, 'GET /version');
    const apiVersion = version.ApiVersion;
    options.log(`engine: dockerd ${version.Version} (API ${apiVersion}) in ${engine.dir}, ready in ${((Date.now() - engineStarted) / 1000).toFixed(1)} s`);

    // The CLI's create body names the image `busybox`, as users write it.
    const tagged = await httpRequest(direct, 'POST', `/v${apiVersion}/images/${BUSYBOX_IMAGE}/tag?repo=busybox&tag=latest`);
    if (tagged.status !== 201) throw new Error(`tagging ${BUSYBOX_IMAGE} as busybox: ${tagged.status} ${tagged.body.toString()}`);
    // Containers for exec and archive, and a realistic `docker ps` listing of three running containers.
    for (const name of [...RUNNING_CONTAINERS, ARCHIVE_CONTAINER]) {
      const running = name !== ARCHIVE_CONTAINER;
      const body = JSON.stringify({ Image: BUSYBOX_IMAGE, Cmd: running ? ['sleep', '3600'] : ['true'], HostConfig: { NetworkMode: 'none' } });
      expectJson(await httpRequest(direct, 'POST', `/v${apiVersion}/containers/create?name=${name}`, { body, headers: { 'Content-Type': 'application/json' } }), 201, `create ${name}`);
      if (running) expectJson(await httpRequest(direct, 'POST', `/v${apiVersion}/containers/${name}/start`), 204, `start ${name}`);
    }

    const gateway = await startGatewayInFront(engine, {
      profile: 'baseline',
      tls: createTestPki(engine.dir),
      ...(options.adminListen && { args: ['--admin-listen', `unix://${join(engine.dir, 'admin.sock')}`] }),
    });
    steps.push(() => gateway.stop());
    const tls = gateway.tls;
    if (tls === undefined) throw new Error('the gateway started without its TLS listener');
    options.log(`dockgate: ${gateway.commandLine}`);

    const proxyDir = mkdtempSync(join(engine.dir, 'hap-'));
    const haproxy = await startHaproxy({ engineSocket: engine.socketPath, listenSocket: join(proxyDir, 'haproxy.sock'), serverKeepAlive: options.haproxyServerKeepAlive });
    steps.push(() => haproxy.stop());
    options.log(`haproxy: ${haproxy.version}, bench/haproxy.cfg, engine connections ${options.haproxyServerKeepAlive ? 'kept alive' : 'one per request (http-server-close)'}`);

    const nodeFloor = await startNodeFloor(engine.socketPath, join(proxyDir, 'node-floor.sock'));
    steps.push(() => nodeFloor.stop());

    return {
      engine,
      gateway,
      tls,
      haproxy,
      direct,
      dockgate: { name: 'dockgate', socketPath: gateway.unix.host.slice('unix://'.length) },
      haproxyTarget: { name: 'haproxy', socketPath: haproxy.socketPath },
      nodeFloor,
      nodeFloorTarget: { name: 'node_floor', socketPath: nodeFloor.socketPath },
      engineVersion: `Docker Engine ${version.Version} (API ${apiVersion})`,
      apiVersion,
      stop,
    };
  } catch (error) {
    await stop().catch((stopError: unknown) => console.error('bench: stopping after a failed start failed as well:', stopError));
    throw error;
  }
}
