// The create judge writes its defaults and pinned references into a copy of the body's root and
// HostConfig only (src/judge/reach/container-create.ts): the body it was given, which the create's other
// pass and the record's needs read, stays as it was sent, and every key stays a key, `__proto__` included.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readJudgedBody } from '../../src/inspect/inspect-body.js';
import { fakeEngine, plainContainer } from '../support/fake-engine.js';
import { create } from '../support/reach-fixtures.js';

/** Frozen all the way down: a write anywhere into it throws (modules are strict). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}

const defaults = { labels: { owner: 'ci' }, noNewPrivileges: true, capDrop: ['ALL'], memory: 256 << 20, pidsLimit: 128, nanoCpus: 1e9, readonlyRootfs: true };

describe('the create judge writes only its own copy of the body', () => {
  test('defaults and pinned references reach the forwarded body; the body judged is untouched', async () => {
    const other = plainContainer('other');
    const sent = {
      Labels: { app: 'x' },
      HostConfig: { SecurityOpt: ['label=type:container_t'], CapDrop: ['NET_RAW'], VolumesFrom: ['other:ro'], NetworkMode: 'container:other', Memory: 0, PidsLimit: null },
    };
    const before = structuredClone(sent);
    const outcome = await create(deepFreeze(sent), { defaults, engine: fakeEngine({ containers: [other] }) });
    assert.deepEqual(
      outcome.violations.map((v) => v.field),
      [],
    );
    const body = outcome.body as { Labels: Record<string, string>; HostConfig: Record<string, unknown> };
    assert.deepEqual(body.Labels, { app: 'x', owner: 'ci' });
    assert.deepEqual(body.HostConfig['SecurityOpt'], ['label=type:container_t', 'no-new-privileges=true']);
    assert.deepEqual(body.HostConfig['CapDrop'], ['NET_RAW', 'ALL']);
    assert.deepEqual(body.HostConfig['VolumesFrom'], [`${other.Id}:ro`]);
    assert.equal(body.HostConfig['NetworkMode'], `container:${other.Id}`);
    assert.equal(body.HostConfig['Memory'], 256 << 20);
    assert.deepEqual({ Image: 'busybox', ...sent }, { Image: 'busybox', ...before });
  });

  test("a __proto__ label read from JSON stays an own key of the forwarded labels, beside the policy's", async () => {
    const { value } = readJudgedBody('container.create', Buffer.from('{"Image":"busybox","Labels":{"__proto__":"x","a":"b"}}'), 'application/json');
    const outcome = await create(deepFreeze(value as Record<string, unknown>), { defaults: { labels: { owner: 'ci' } } });
    const labels = (outcome.body as { Labels: Record<string, unknown> }).Labels;
    assert.deepEqual(Object.keys(labels), ['__proto__', 'a', 'owner']);
    assert.equal(Object.getOwnPropertyDescriptor(labels, '__proto__')?.value, 'x');
    assert.equal(Object.getPrototypeOf(labels), Object.prototype);
  });
});
