// The policy the owners unit tests judge through the library judge(): root is an admin without an owner,
// the unix users alice (gid 1000) and bob (gid 1001) are tenants, each owner by its user name.
import type { UnixPeer } from '../../src/identify/identity.js';
import { loadPolicy } from '../../src/index.js';
import { ALICE as ALICE_ANY } from './policy-fixtures.js';

export const ALICE = ALICE_ANY as UnixPeer;
export const BOB: UnixPeer = { ...ALICE, uid: 1001, gid: 1001, user: 'bob', group: 'bob' };

export const OWNERS_POLICY = loadPolicy(
  [
    'rules:',
    '  - name: admin',
    '    match: { uid: 0 }',
    '    profile: baseline',
    '  - name: tenants',
    '    match: { gid: [1000, 1001] }',
    '    profile: baseline',
    '    owner: { from: user }',
    '',
  ].join('\n'),
  { name: 'owners.yaml' },
);
