// /proc/PID/cgroup as dockerd leaves it for a container process names that container, in every form the
// engine writes: cgroup v1 (a line per hierarchy) and v2 (`0::`), the cgroupfs driver (`/docker/<id>`,
// `<--cgroup-parent>/<id>`) and the systemd driver (`docker-<id>.scope`), a process in a child cgroup of
// its container, docker-in-docker (the innermost container), and a host process (none). Hierarchies
// naming different containers are not taken for either; an id that is not 64 hex is not an id.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readContainerCgroup } from '../../src/identify/container-cgroup.js';

const A = 'a'.repeat(40) + '0123456789abcdef01234567';
const B = 'b'.repeat(64);

describe('container cgroup lines', () => {
  test('cgroup v1, cgroupfs driver: every hierarchy under /docker/<id>', () => {
    const text = [`12:pids:/docker/${A}`, `11:memory:/docker/${A}`, `1:name=systemd:/docker/${A}`, ''].join('\n');
    assert.deepEqual(readContainerCgroup(text), { kind: 'container', id: A });
  });

  test('cgroup v1 with --cgroup-parent (as the test engine runs), beside hierarchies left at the root', () => {
    const text = [`9:name=systemd:/dockgate-test-x1/${A}`, '8:pids:/dockgate-test-x1/' + A, '7:blkio:/', '0::/', ''].join('\n');
    assert.deepEqual(readContainerCgroup(text), { kind: 'container', id: A });
  });

  test('cgroup v2, cgroupfs driver, and the systemd driver on v1 and v2', () => {
    assert.deepEqual(readContainerCgroup(`0::/docker/${A}\n`), { kind: 'container', id: A });
    assert.deepEqual(readContainerCgroup(`0::/system.slice/docker-${A}.scope\n`), { kind: 'container', id: A });
    assert.deepEqual(readContainerCgroup(`4:memory:/system.slice/docker-${A}.scope\n1:name=systemd:/system.slice/docker-${A}.scope\n`), { kind: 'container', id: A });
    assert.deepEqual(readContainerCgroup(`0::/my.slice/my-sub.slice/docker-${A}.scope\n`), { kind: 'container', id: A });
  });

  test('a process in a child cgroup of its container, and docker-in-docker (the innermost container)', () => {
    assert.deepEqual(readContainerCgroup(`0::/system.slice/docker-${A}.scope/init.scope\n`), { kind: 'container', id: A });
    assert.deepEqual(readContainerCgroup(`0::/docker/${B}/docker/${A}\n`), { kind: 'container', id: A });
  });

  test('a host process names no container', () => {
    assert.deepEqual(readContainerCgroup('0::/user.slice/user-1000.slice/session-3.scope\n'), { kind: 'none' });
    assert.deepEqual(readContainerCgroup('0::/\n'), { kind: 'none' });
    assert.deepEqual(readContainerCgroup('4:memory:/process_api/4dbc2c9de687ab2c367fd3cd809df498\n0::/\n'), { kind: 'none' });
    assert.deepEqual(readContainerCgroup(''), { kind: 'none' });
  });

  test('ids of another length or case, and names that only contain an id, are not container segments', () => {
    assert.deepEqual(readContainerCgroup(`0::/docker/${A.slice(1)}\n`), { kind: 'none' });
    assert.deepEqual(readContainerCgroup(`0::/docker/${A.toUpperCase()}\n`), { kind: 'none' });
    assert.deepEqual(readContainerCgroup(`0::/system.slice/cri-containerd-${A}.scope\n`), { kind: 'none' });
    assert.deepEqual(readContainerCgroup(`0::/docker/x${A}\n`), { kind: 'none' });
  });

  test('a path holding colons is read whole, after the first two', () => {
    assert.deepEqual(readContainerCgroup(`0::/odd:name/docker/${A}\n`), { kind: 'container', id: A });
  });

  test('hierarchies that name different containers are taken for neither', () => {
    assert.deepEqual(readContainerCgroup(`4:memory:/docker/${A}\n1:name=systemd:/docker/${B}\n`), { kind: 'ambiguous', ids: [A, B] });
  });
});
