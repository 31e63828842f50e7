// Runs one workflow on each endpoint in turn and demands the same result from all of them.

import assert from 'node:assert/strict';
import type { Endpoint } from './endpoint.js';

/**
 * Runs `workflow` on every endpoint, one after the other (workflows may reuse names: each must clean up
 * after itself), asserts that every result deep-equals the first endpoint's, and returns that reference
 * result for the caller's own assertions about what it should be.
 */
export async function sameOnEveryEndpoint<T>(endpoints: readonly Endpoint[], workflow: (endpoint: Endpoint) => Promise<T>): Promise<T> {
  const results: T[] = [];
  for (const endpoint of endpoints) {
    try {
      results.push(await workflow(endpoint));
    } catch (error) {
      throw new Error(`on ${endpoint.name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  const [reference, ...others] = results;
  others.forEach((result, index) => {
    assert.deepStrictEqual(result, reference, `${endpoints[index + 1]?.name} differs from ${endpoints[0]?.name}`);
  });
  return reference as T;
}
