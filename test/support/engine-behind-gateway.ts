// The set-up every faithful-forwarding test file shares: one private engine, the gateway in front of it
// (audit profile: everything allowed and recorded) with a unix and a mutual-TLS listener, and the three
// endpoints through which each workflow is run: the engine's own socket first, as the reference.

import { before } from 'node:test';
import { startEngine, type Engine } from './engine.js';
import type { Endpoint } from './endpoint.js';
import { startGatewayInFront, type GatewayInFront } from './gateway.js';
import { useTeardown } from './teardown.js';
import { createTestPki } from './test-certs.js';

export interface EngineBehindGateway {
  engine: Engine;
  gateway: GatewayInFront;
  direct: Endpoint;
  viaUnix: Endpoint;
  viaTls: Endpoint;
  /** direct, viaUnix, viaTls: in that order, so the first result is the reference. */
  endpoints: Endpoint[];
}

/** Engine start, image import, certificates and gateway start take seconds; more means something hangs. */
const SETUP_TIMEOUT_MS = 180_000;

/**
 * Registers `before`/`after` hooks (with timeouts of their own: a suite's timeout does not cover hooks)
 * that start the set-up for the enclosing suite and, after the tests, stop the gateway (failing if it had
 * died meanwhile), then the engine. Returns an accessor for the tests.
 */
export function useEngineBehindGateway(): () => EngineBehindGateway {
  const teardown = useTeardown();
  let started: EngineBehindGateway | undefined;
  before(
    async () => {
      const engine = await startEngine();
      teardown.add(() => engine.stop());
      const gateway = await startGatewayInFront(engine, { profile: 'audit', tls: createTestPki(engine.dir) });
      teardown.add(() => gateway.stopRunning());
      const viaTls = gateway.tls;
      if (viaTls === undefined) throw new Error('the gateway was started without its TLS listener');
      started = { engine, gateway, direct: engine.endpoint, viaUnix: gateway.unix, viaTls, endpoints: [engine.endpoint, gateway.unix, viaTls] };
    },
    { timeout: SETUP_TIMEOUT_MS },
  );
  return () => {
    if (started === undefined) throw new Error('the engine behind the gateway did not start (see the before hook)');
    return started;
  };
}
