// Privileges: Privileged, capabilities in every spelling the engine accepts (case, CAP_ prefix, ALL,
// Go's Unicode upper-casing), devices, SecurityOpt in its `=` and `:` forms (seccomp, apparmor,
// label, systempaths, writable cgroups, inline allow-all seccomp profiles), emptied MaskedPaths and
// ReadonlyPaths, sysctls, cgroup parent, runtime, a working directory in /proc, annotations and OOM
// settings. Benign neighbours pass: labels and env that mention "Privileged", a hardened container.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create, refusedFields, RESTRICTED_CONSTRAINTS } from '../support/reach-fixtures.js';

const host = (HostConfig: Record<string, unknown>, rest: Record<string, unknown> = {}) => create({ ...rest, HostConfig });

describe('Privileged and capabilities', () => {
  test('Privileged: true is refused, false passes', async () => {
    assert.deepEqual(refusedFields(await host({ Privileged: true })), ['HostConfig.Privileged']);
    assert.deepEqual(refusedFields(await host({ Privileged: false })), []);
  });

  test('dangerous capabilities are refused in every spelling', async () => {
    for (const cap of [
      'SYS_ADMIN',
      'sys_admin',
      'CAP_SYS_ADMIN',
      'cap_sys_admin',
      'Cap_Sys_Admin',
      'SYS_PTRACE',
      'SYS_MODULE',
      'DAC_READ_SEARCH',
      'NET_ADMIN',
      'NET_RAW',
      'ALL',
      'all',
      'All',
      'ſys_admin',
    ]) {
      assert.deepEqual(refusedFields(await host({ CapAdd: [cap] })), ['HostConfig.CapAdd[0]'], cap);
    }
  });

  test('capabilities in the PSS baseline list pass in any spelling', async () => {
    assert.deepEqual(refusedFields(await host({ CapAdd: ['CHOWN', 'cap_net_bind_service', 'Kill'] })), []);
  });

  test('restricted requires CapDrop ALL and allows only NET_BIND_SERVICE to be added', async () => {
    const restricted = { constraints: RESTRICTED_CONSTRAINTS };
    const hardened = {
      User: '1000:1000',
      HostConfig: { CapDrop: ['all'], CapAdd: ['net_bind_service'], SecurityOpt: ['no-new-privileges'], Memory: 1 << 28, PidsLimit: 100, NanoCpus: 1e9 },
    };
    assert.deepEqual(refusedFields(await create(hardened, restricted)), []);
    const noDrop = { ...hardened, HostConfig: { ...hardened.HostConfig, CapDrop: ['NET_RAW'] } };
    assert.deepEqual(refusedFields(await create(noDrop, restricted)), ['HostConfig.CapDrop']);
    const chown = { ...hardened, HostConfig: { ...hardened.HostConfig, CapAdd: ['CHOWN'] } };
    assert.deepEqual(refusedFields(await create(chown, restricted)), ['HostConfig.CapAdd[0]']);
  });

  test('the legacy Capabilities field that replaces the set is refused', async () => {
    assert.deepEqual(refusedFields(await host({ Capabilities: ['CAP_SYS_ADMIN'] })), ['HostConfig.Capabilities']);
  });

  test('devices, device cgroup rules and device requests are refused; empty lists pass', async () => {
    assert.deepEqual(refusedFields(await host({ Devices: [{ PathOnHost: '/dev/sda', PathInContainer: '/dev/sda', CgroupPermissions: 'rwm' }] })), ['HostConfig.Devices']);
    assert.deepEqual(refusedFields(await host({ DeviceCgroupRules: ['b 8:* rmw'] })), ['HostConfig.DeviceCgroupRules']);
    assert.deepEqual(refusedFields(await host({ DeviceRequests: [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }] })), ['HostConfig.DeviceRequests']);
    assert.deepEqual(refusedFields(await host({ Devices: [], DeviceCgroupRules: [], DeviceRequests: [] })), []);
  });
});

describe('SecurityOpt', () => {
  const opts = (...SecurityOpt: string[]) => host({ SecurityOpt });

  test('unconfined seccomp, apparmor, SELinux and systempaths are refused in = and : forms', async () => {
    for (const opt of [
      'seccomp=unconfined',
      'seccomp:unconfined',
      'apparmor=unconfined',
      'apparmor:unconfined',
      'label=disable',
      'label:disable',
      'disable',
      'systempaths=unconfined',
      'writable-cgroups',
      'writable-cgroups=true',
      'writable-cgroups=1',
      'label=type:spc_t',
      'label=user:system_u',
      'label:role:sysadm_r',
    ]) {
      assert.deepEqual(refusedFields(await opts(opt)), ['HostConfig.SecurityOpt[0]'], opt);
    }
  });

  test('an inline seccomp profile that allows by default is refused, in any key spelling Go folds', async () => {
    for (const profile of [
      '{"defaultAction":"SCMP_ACT_ALLOW"}',
      '{"defaultAction":"SCMP_ACT_LOG","syscalls":[]}',
      '{"DEFAULTACTION":"SCMP_ACT_ALLOW"}',
      '{"defaultAction":"SCMP_ACT_ERRNO","defaultaction":"SCMP_ACT_ALLOW"}',
      '{"DefaultAction":"SCMP_ACT_ALLOW","syscalls":null}',
      '{"syscalls":[]}',
      'not json',
    ]) {
      assert.equal(refusedFields(await opts(`seccomp=${profile}`)).length, 1, profile);
    }
    assert.equal(refusedFields(await opts('seccomp:{"defaultAction":"SCMP_ACT_ALLOW"}')).length, 1);
  });

  test('a confining inline seccomp profile, a named AppArmor profile, an SELinux level and no-new-privileges pass', async () => {
    assert.deepEqual(
      refusedFields(
        await opts(
          'seccomp={"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}',
          'apparmor=docker-default',
          'label=level:s0:c100,c200',
          'label=type:container_t',
          'no-new-privileges',
          'no-new-privileges=true',
          'no-new-privileges:true',
          'seccomp=builtin',
        ),
      ),
      [],
    );
  });

  test('options the engine does not accept are refused rather than guessed at', async () => {
    assert.deepEqual(refusedFields(await opts('nonsense')), ['HostConfig.SecurityOpt[0]']);
    assert.deepEqual(refusedFields(await opts('no-new-privileges=maybe')), ['HostConfig.SecurityOpt[0]']);
  });

  test('restricted requires no-new-privileges, and the last entry wins', async () => {
    const base = { User: '1000', HostConfig: { CapDrop: ['ALL'], Memory: 1 << 28, PidsLimit: 100, NanoCpus: 1e9 } };
    const withOpts = (...SecurityOpt: string[]) => create({ ...base, HostConfig: { ...base.HostConfig, SecurityOpt } }, { constraints: RESTRICTED_CONSTRAINTS });
    assert.deepEqual(refusedFields(await withOpts('no-new-privileges:true')), []);
    assert.deepEqual(refusedFields(await withOpts()), ['HostConfig.SecurityOpt']);
    assert.deepEqual(refusedFields(await withOpts('no-new-privileges', 'no-new-privileges=false')), ['HostConfig.SecurityOpt']);
  });
});

describe('system paths, sysctls, cgroups, runtime, working directory, annotations, OOM', () => {
  test('MaskedPaths or ReadonlyPaths emptied are refused; absent or a superset of the defaults passes', async () => {
    assert.deepEqual(refusedFields(await host({ MaskedPaths: [] })), ['HostConfig.MaskedPaths']);
    assert.deepEqual(refusedFields(await host({ ReadonlyPaths: [] })), ['HostConfig.ReadonlyPaths']);
    assert.deepEqual(refusedFields(await host({ MaskedPaths: ['/proc/kcore'] })), ['HostConfig.MaskedPaths']);
    const masked = [
      '/proc/asound',
      '/proc/acpi',
      '/proc/kcore',
      '/proc/keys',
      '/proc/latency_stats',
      '/proc/timer_list',
      '/proc/timer_stats',
      '/proc/sched_debug',
      '/proc/scsi',
      '/sys/firmware',
      '/proc/interrupts',
    ];
    assert.deepEqual(refusedFields(await host({ MaskedPaths: masked })), []);
  });

  test("sysctls outside the allowed ones are refused, also written with slashes; net.* (the container's own network namespace) passes", async () => {
    assert.deepEqual(refusedFields(await host({ Sysctls: { 'kernel.core_pattern': '|/tmp/x' } })), ['HostConfig.Sysctls.kernel.core_pattern']);
    assert.deepEqual(refusedFields(await host({ Sysctls: { 'kernel/msgmax': '65536' } })), ['HostConfig.Sysctls.kernel/msgmax']);
    assert.deepEqual(
      refusedFields(await host({ Sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0', 'net/ipv4/ping_group_range': '0 1', 'net/ipv4/ip_forward': '1', 'net.core.somaxconn': '1024' } })),
      [],
    );
    // On the host's network they would be the host's: the host network namespace is refused on its own.
    assert.deepEqual(refusedFields(await host({ NetworkMode: 'host', Sysctls: { 'net.core.somaxconn': '1024' } })), ['HostConfig.NetworkMode']);
  });

  test('a cgroup parent is refused, the default runtime passes, others are refused', async () => {
    assert.deepEqual(refusedFields(await host({ CgroupParent: '/' })), ['HostConfig.CgroupParent']);
    assert.deepEqual(refusedFields(await host({ Runtime: 'runc' })), []);
    assert.deepEqual(refusedFields(await host({ Runtime: 'sysbox-runc' })), ['HostConfig.Runtime']);
  });

  test('a working directory in /proc or /dev/fd is refused', async () => {
    for (const dir of ['/proc/self/fd/8', '/proc', '/proc/../proc/1/cwd', '/dev/fd/7']) {
      assert.deepEqual(refusedFields(await create({ WorkingDir: dir })), ['WorkingDir'], dir);
    }
    assert.deepEqual(refusedFields(await create({ WorkingDir: '/app/proc' })), []);
  });

  test('annotations, a negative OOM score and a disabled OOM killer are refused', async () => {
    assert.deepEqual(refusedFields(await host({ Annotations: { 'run.oci.keep_original_groups': '1' } })), ['HostConfig.Annotations']);
    assert.deepEqual(refusedFields(await host({ OomScoreAdj: -1000 })), ['HostConfig.OomScoreAdj']);
    assert.deepEqual(refusedFields(await host({ OomKillDisable: true })), ['HostConfig.OomKillDisable']);
    assert.deepEqual(refusedFields(await host({ OomScoreAdj: 500 })), []);
  });
});

describe('benign neighbours', () => {
  test('labels and environment that merely mention Privileged pass', async () => {
    const outcome = await create({
      Labels: { Privileged: 'true', 'com.example.privileged': 'yes' },
      Env: ['PRIVILEGED=true', 'HostConfig={"Privileged":true}'],
      Cmd: ['echo', '--privileged'],
    });
    assert.deepEqual(refusedFields(outcome), []);
  });

  test('the body docker run --rm -e X=1 -p 127.0.0.1:8080:80 busybox sends passes', async () => {
    const outcome = await create({
      Env: ['X=1'],
      Cmd: ['echo', 'hi'],
      ExposedPorts: { '80/tcp': {} },
      HostConfig: {
        AutoRemove: true,
        NetworkMode: 'default',
        PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] },
        RestartPolicy: { Name: 'no' },
        LogConfig: { Type: '', Config: {} },
        CgroupnsMode: 'private',
        IpcMode: 'private',
      },
    });
    assert.deepEqual(refusedFields(outcome), []);
  });

  test('a hardened container passes baseline and restricted', async () => {
    const hardened = {
      User: '65534:65534',
      HostConfig: {
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges=true'],
        ReadonlyRootfs: true,
        Memory: 268435456,
        PidsLimit: 64,
        NanoCpus: 500000000,
        Tmpfs: { '/tmp': 'rw,noexec,nosuid,size=64m' },
      },
    };
    assert.deepEqual(refusedFields(await create(hardened)), []);
    assert.deepEqual(refusedFields(await create(hardened, { constraints: RESTRICTED_CONSTRAINTS })), []);
  });
});
