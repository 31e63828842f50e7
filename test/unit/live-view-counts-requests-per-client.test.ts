// The live view's per-client counters (src/view/client-counters.ts) and the names clients are counted
// under (client-label.ts): one entry per client whatever its pid or source port, by decision, busiest first,
// and bounded: past the limit of distinct clients the rest are summed under one entry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UnixPeer } from '../../src/identify/identity.js';
import { ClientCounters, OTHER_CLIENTS } from '../../src/view/client-counters.js';
import { clientLabel } from '../../src/view/client-label.js';
import { doneRecord } from '../support/audit-record-fixtures.js';

const unix = (uid: number, pid: number, user?: string): UnixPeer => ({ kind: 'unix', listener: 'unix:///run/dockgate.sock', uid, gid: uid, pid, ...(user !== undefined && { user }) });

test('clients are named the same for every request they make, and apart from each other', () => {
  assert.equal(clientLabel(unix(1000, 11, 'alice')), 'uid=1000(alice)');
  assert.equal(clientLabel(unix(1000, 12, 'alice')), 'uid=1000(alice)', 'another process of the same user');
  assert.equal(clientLabel(unix(1001, 11)), 'uid=1001');
  const container = { id: 'a'.repeat(64), name: 'traefik', image: 'traefik:v3', labels: {} };
  assert.equal(clientLabel({ ...unix(0, 5), container }), 'container traefik');
  const tls = { kind: 'tls' as const, listener: 'tcp://0.0.0.0:2376', address: '10.0.0.5:51000', o: [], ou: [], san: [], fingerprint: 'AB:CD:EF', serial: '01' };
  assert.equal(clientLabel({ ...tls, cn: 'ci' }), 'cn=ci');
  assert.equal(clientLabel({ kind: 'tcp', listener: 'tcp://127.0.0.1:2375', address: '127.0.0.1:50000' }), 'tcp 127.0.0.1');
  assert.equal(clientLabel({ kind: 'tcp', listener: 'tcp://[::1]:2375', address: '[::1]:50000' }), 'tcp [::1]');
});

test('requests are counted per client and decision, busiest client first', () => {
  const counters = new ClientCounters();
  const alice = unix(1000, 1, 'alice');
  const bob = unix(1001, 2, 'bob');
  for (const decision of ['allow', 'allow', 'deny', 'would_deny', 'error'] as const) counters.count(doneRecord('a', { identity: { ...alice, pid: Math.random() }, decision }));
  counters.count(doneRecord('b', { identity: bob, decision: 'deny' }));
  assert.deepEqual(counters.snapshot(), [
    { client: 'uid=1000(alice)', counts: { allow: 2, deny: 1, would_deny: 1, error: 1 } },
    { client: 'uid=1001(bob)', counts: { allow: 0, deny: 1, would_deny: 0, error: 0 } },
  ]);
  const version = counters.version;
  counters.count(doneRecord('c', { identity: bob }));
  assert.ok(counters.version > version, 'a count changes the version the view sends counters on');
});

test('past the limit of distinct clients, new ones are summed under one entry; known ones keep theirs', () => {
  const counters = new ClientCounters(3);
  for (let uid = 0; uid < 1000; uid++) counters.count(doneRecord(`r${uid}`, { identity: unix(uid, 1), decision: 'deny' }));
  counters.count(doneRecord('again', { identity: unix(1, 1), decision: 'allow' }));
  const snapshot = counters.snapshot();
  assert.equal(snapshot.length, 4, 'three clients and the rest');
  assert.deepEqual(
    snapshot.find((s) => s.client === OTHER_CLIENTS),
    { client: OTHER_CLIENTS, counts: { allow: 0, deny: 997, would_deny: 0, error: 0 } },
  );
  assert.deepEqual(
    snapshot.find((s) => s.client === 'uid=1'),
    { client: 'uid=1', counts: { allow: 1, deny: 1, would_deny: 0, error: 0 } },
  );
});
