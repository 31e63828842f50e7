// An inline seccomp profile is judged by what it lets through, not by its defaultAction: one that refuses by
// default but allows unshare, mount or keyctl by name is as unconfined as seccomp=unconfined for them. The
// yardstick is Docker's own default profile (from Debian's golang-github-docker-docker-dev, the engine's
// version), which must pass for every capability set its rules name, while each system call it keeps from
// a container is refused when a profile lets it through. The profile is read as Go reads it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { effectiveCapabilities } from '../../src/judge/reach/capabilities.js';
import { beyondDefaultProfile, type SeccompRule } from '../../src/judge/reach/seccomp-profile.js';
import { create, refusedFields } from '../support/reach-fixtures.js';

interface DefaultRule {
  names: string[];
  action: string;
  includes?: { caps?: string[] };
}

const DEFAULT_PROFILE_PATH = '/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json';
const defaultProfileText = readFileSync(DEFAULT_PROFILE_PATH, 'utf8');
const defaultProfile = JSON.parse(defaultProfileText) as { syscalls: DefaultRule[] };
const DEFAULT_CAPS = effectiveCapabilities([], [], false);

const withSeccomp = (profile: string, extra: Record<string, unknown> = {}) => create({ HostConfig: { SecurityOpt: [`seccomp=${profile}`], ...extra } });

describe('seccomp profiles judged by what they allow', () => {
  test("Docker's default profile, sent inline, passes for the default capabilities and for each capability its rules name", async () => {
    assert.deepEqual(beyondDefaultProfile(defaultProfile, DEFAULT_CAPS), []);
    const named = new Set(defaultProfile.syscalls.flatMap((rule) => rule.includes?.caps ?? []).map((cap) => cap.replace(/^CAP_/, '')));
    assert.ok(named.has('SYS_ADMIN') && named.has('SYS_PTRACE'), [...named].join(', '));
    for (const cap of named) assert.deepEqual(beyondDefaultProfile(defaultProfile, effectiveCapabilities([cap], [], false)), [], cap);
    assert.deepEqual(refusedFields(await withSeccomp(defaultProfileText)), []);
  });

  test('every system call the default profile keeps from a default container is refused when a profile lets it through', () => {
    const allowedToAll = new Set<string>(
      defaultProfile.syscalls.filter((rule) => rule.action === 'SCMP_ACT_ALLOW' && (rule.includes?.caps ?? []).length === 0).flatMap((rule) => rule.names),
    );
    const keptFromDefault = new Set<string>(
      defaultProfile.syscalls.filter((rule) => rule.action === 'SCMP_ACT_ALLOW' && (rule.includes?.caps ?? []).length > 0).flatMap((rule) => rule.names),
    );
    for (const name of keptFromDefault) {
      if (allowedToAll.has(name) || name === 'clone' || name === 'chroot') continue; // chroot: CAP_SYS_CHROOT is a default capability
      const profile = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: [name], action: 'SCMP_ACT_ALLOW' }] };
      assert.deepEqual(beyondDefaultProfile(profile, DEFAULT_CAPS), [name], name);
    }
  });

  test('a profile that refuses by default but allows unshare, mount and keyctl by name is refused, naming them', async () => {
    const permissive = JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'write', 'unshare', 'mount', 'keyctl'], action: 'SCMP_ACT_ALLOW' }] });
    const outcome = await withSeccomp(permissive);
    assert.deepEqual(refusedFields(outcome), ['HostConfig.SecurityOpt[0]']);
    assert.match(outcome.violations[0]!.why, /lets through unshare, mount, keyctl, which Docker's default profile refuses/);
    // With SYS_ADMIN the default profile would allow unshare and mount, never keyctl (baseline refuses SYS_ADMIN anyway).
    assert.deepEqual(beyondDefaultProfile(JSON.parse(permissive), effectiveCapabilities(['SYS_ADMIN'], [], false)), ['keyctl']);
  });

  test('clone with namespace flags, and rules gated on capabilities the container lacks, are judged like the default profile', () => {
    const clone = (args?: NonNullable<SeccompRule['args']>) => ({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['clone'], action: 'SCMP_ACT_ALLOW', ...(args && { args }) }] });
    assert.deepEqual(beyondDefaultProfile(clone(), DEFAULT_CAPS), ['clone (with namespace flags)']);
    assert.deepEqual(beyondDefaultProfile(clone([{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]), DEFAULT_CAPS), []);
    const gated = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['unshare'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } }] };
    assert.deepEqual(beyondDefaultProfile(gated, DEFAULT_CAPS), []);
    const excluded = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['unshare'], action: 'SCMP_ACT_ALLOW', excludes: { caps: ['CAP_SYS_ADMIN'] } }] };
    assert.deepEqual(beyondDefaultProfile(excluded, DEFAULT_CAPS), ['unshare']);
  });

  test('the profile is read as Go reads it: case-folded keys, the last of repeated keys, allow-all default actions', async () => {
    for (const profile of [
      '{"DefaultAction":"SCMP_ACT_ERRNO","SYSCALLS":[{"Names":["unshare"],"Action":"SCMP_ACT_ALLOW"}]}',
      '{"defaultAction":"SCMP_ACT_ERRNO","defaultAction":"SCMP_ACT_ALLOW"}',
      '{"defaultAction":"SCMP_ACT_LOG"}',
      '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"name":"keyctl","action":"SCMP_ACT_ALLOW"}]}',
    ]) {
      assert.deepEqual(refusedFields(await withSeccomp(profile)), ['HostConfig.SecurityOpt[0]'], profile);
    }
    assert.deepEqual(refusedFields(await withSeccomp('{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","write","exit_group"],"action":"SCMP_ACT_ALLOW"}]}')), []);
    assert.deepEqual(refusedFields(await withSeccomp('{"defaultAction":"SCMP_ACT_ERRNO","syscalls":"x"}')), ['HostConfig.SecurityOpt[0]']);
  });
});
