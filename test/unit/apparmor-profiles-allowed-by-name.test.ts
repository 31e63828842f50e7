// An AppArmor profile is named, not sent: whatever the host loaded under that name confines the container,
// and a host profile may allow anything (complain mode, a profile written for another program). So
// `apparmor=NAME` passes only for docker-default (what the engine applies anyway), for an empty name (the
// engine's default), and for names a rule lists; `unconfined` stays refused, and a rule that grants
// unconfined containers allows any name.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BASELINE_CONSTRAINTS, create, refusedFields } from '../support/reach-fixtures.js';

const withAppArmor = (value: string, constraints = BASELINE_CONSTRAINTS) => create({ HostConfig: { SecurityOpt: [`apparmor=${value}`] } }, { constraints });

describe('AppArmor profiles are allowed by name', () => {
  test('docker-default and the empty name pass', async () => {
    assert.deepEqual(refusedFields(await withAppArmor('docker-default')), []);
    assert.deepEqual(refusedFields(await withAppArmor('')), []);
  });

  test('another host profile is refused, naming it and what is allowed; so is unconfined', async () => {
    const outcome = await withAppArmor('lxc-container-default-with-nesting');
    assert.deepEqual(refusedFields(outcome), ['HostConfig.SecurityOpt[0]']);
    assert.match(outcome.violations[0]!.why, /host's AppArmor profile "lxc-container-default-with-nesting", which may allow anything \(allowed: docker-default\)/);
    assert.deepEqual(refusedFields(await withAppArmor('unconfined')), ['HostConfig.SecurityOpt[0]']);
    // The deprecated `apparmor:NAME` spelling is read the same way.
    assert.deepEqual(refusedFields(await create({ HostConfig: { SecurityOpt: ['apparmor:other'] } })), ['HostConfig.SecurityOpt[0]']);
  });

  test('a rule lists profiles it allows; a rule granting unconfined allows any', async () => {
    const listed = { ...BASELINE_CONSTRAINTS, apparmorProfiles: ['web-app'] };
    assert.deepEqual(refusedFields(await withAppArmor('web-app', listed)), []);
    assert.deepEqual(refusedFields(await withAppArmor('other', listed)), ['HostConfig.SecurityOpt[0]']);
    assert.deepEqual(refusedFields(await withAppArmor('other', { ...BASELINE_CONSTRAINTS, unconfined: true })), []);
  });
});
