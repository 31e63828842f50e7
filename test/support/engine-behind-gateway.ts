// The set-up every faithful-forwarding test file shares: one private engine, the gateway in front of it
// (audit profile: everything allowed and recorded) with a unix and a mutual-TLS listener, and the three
// endpoints through which each workflow is run: the engine's own socket first, as the reference.

import { after, before } from 'node:test';
import { startEngine, type Engine } from './engine.js';
import type { Endpoint } from './endpoint.js';
import { startGateway, type Gateway } from './gateway.js';
import { createTestPki } from './test-certs.js';

export interface EngineBehindGateway {
  engine: Engine;
  gateway: Gateway;
  direct: Endpoint;
  viaUnix: Endpoint;
  viaTls: Endpoint;
  /** direct, viaUnix, viaTls: in that order, so the first result is the reference. */
  endpoints: Endpoint[];
  /** Stops the gateway, then the engine; fails if the gateway had died meanwhile. */
  stop(): Promise<void>;
}

export async function startEngineBehindGateway(): Promise<EngineBehindGateway> {
  const engine = await startEngine();
  let gateway: Gateway;
  try {
    gateway = await startGateway(engine, { profile: 'audit', pki: createTestPki(engine.dir) });
  } catch (error) {
    await engine.stop();
    throw error;
  }
  const viaTls = gateway.tls;
  if (viaTls === undefined) throw new Error('the gateway was started without its TLS listener');
  return {
    engine,
    gateway,
    direct: engine.endpoint,
    viaUnix: gateway.unix,
    viaTls,
    endpoints: [engine.endpoint, gateway.unix, viaTls],
    async stop() {
      try {
        await gateway.stop();
      } finally {
        await engine.stop();
      }
    },
  };
}

/** Engine start, image import, certificates and gateway start take seconds; more means something hangs. */
const SETUP_TIMEOUT_MS = 180_000;
const TEARDOWN_TIMEOUT_MS = 120_000;

/**
 * Registers `before`/`after` hooks (with timeouts of their own: a suite's timeout does not cover hooks)
 * that start the set-up for the enclosing suite and stop it; returns an accessor for the tests.
 */
export function useEngineBehindGateway(): () => EngineBehindGateway {
  let started: EngineBehindGateway | undefined;
  before(async () => {
    started = await startEngineBehindGateway();
  }, { timeout: SETUP_TIMEOUT_MS });
  after(async () => {
    await started?.stop();
  }, { timeout: TEARDOWN_TIMEOUT_MS });
  return () => {
    if (started === undefined) throw new Error('the engine behind the gateway did not start (see the before hook)');
    return started;
  };
}
