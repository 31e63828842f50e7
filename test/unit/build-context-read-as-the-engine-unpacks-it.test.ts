// The Dockerfile of a build is the one the engine finds after unpacking the context: Go's archive/tar
// reading (PAX records and GNU long names rename entries, header-only types carry no data whatever their
// size field says), pkg/archive's Unpack (later entries replace earlier ones, hard links keep the data they
// pointed at, writes go through symlinked directories inside the context), and openAt (the Dockerfile path
// follows symlinks in scope; `Dockerfile` falls back to `dockerfile`). Each case is a context where a
// naive reading (the first entry called Dockerfile) finds another file than the engine does.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { readBuildContext, type Builder } from '../../src/inspect/build-context/read-build-context.js';
import { paxRecord, tarArchive, type TarEntrySpec } from '../support/tar-builder.js';

const EVIL = 'FROM busybox\nADD http://127.0.0.1:1/x /x\n';
const DECOY = 'FROM busybox\n';

async function dockerfilesOf(body: Buffer, dockerfile = '', builder: Builder = 'classic'): Promise<string[]> {
  async function* once(): AsyncGenerator<Buffer> {
    // Small chunks, so that headers and data straddle chunk boundaries.
    for (let i = 0; i < body.length; i += 100) yield body.subarray(i, i + 100);
  }
  const reading = await readBuildContext({ live: once, again: once }, dockerfile, builder);
  return reading.dockerfiles.map((d) => d.text);
}

const archive = (entries: TarEntrySpec[]): Buffer => tarArchive(entries);

describe('a build context is unpacked as the engine unpacks it', () => {
  test('a later entry of the same name replaces the first', async () => {
    assert.deepEqual(
      await dockerfilesOf(
        archive([
          { name: 'Dockerfile', data: DECOY },
          { name: 'Dockerfile', data: EVIL },
        ]),
      ),
      [EVIL],
    );
  });

  test('a PAX path record renames the entry that follows', async () => {
    const body = archive([
      { name: 'Dockerfile', data: DECOY },
      { name: 'PaxHeader', type: 'x', data: paxRecord('path', 'Dockerfile') },
      { name: 'innocent.txt', data: EVIL },
    ]);
    assert.deepEqual(await dockerfilesOf(body), [EVIL]);
  });

  test('a GNU long name renames the entry that follows', async () => {
    const body = archive([
      { name: 'Dockerfile', data: DECOY },
      { name: '././@LongLink', type: 'L', data: 'Dockerfile\0', magic: 'gnu' },
      { name: 'other', data: EVIL, magic: 'gnu' },
    ]);
    assert.deepEqual(await dockerfilesOf(body), [EVIL]);
  });

  test('a symlink entry carries no data even with a size field: what follows is the next header', async () => {
    // Read as data, the second header would vanish into the symlink's "content".
    const hidden = archive([{ name: 'Dockerfile', data: EVIL }]).subarray(0, 1024);
    const body = Buffer.concat([
      tarArchive(
        [
          { name: 'Dockerfile', data: DECOY },
          { name: 'link', type: '2', linkname: 'x', sizeField: 1024 },
        ],
        { end: false },
      ),
      hidden,
      Buffer.alloc(1024),
    ]);
    assert.deepEqual(await dockerfilesOf(body), [EVIL]);
  });

  test('the Dockerfile path follows symlinks, in scope (an absolute target stays in the context)', async () => {
    const body = archive([
      { name: 'real/Dockerfile.evil', data: EVIL },
      { name: 'Dockerfile', type: '2', linkname: '/real/../real/Dockerfile.evil' },
    ]);
    assert.deepEqual(await dockerfilesOf(body), [EVIL]);
  });

  test('an entry written through a symlinked directory lands where the link points', async () => {
    const body = archive([
      { name: 'dir', type: '2', linkname: '.' },
      { name: 'Dockerfile', data: DECOY },
      { name: 'dir/Dockerfile', data: EVIL },
    ]);
    assert.deepEqual(await dockerfilesOf(body), [EVIL]);
  });

  test('a hard link keeps the data it pointed at when that name is replaced', async () => {
    const body = archive([
      { name: 'a', data: EVIL },
      { name: 'Dockerfile', type: '1', linkname: 'a' },
      { name: 'a', data: DECOY },
    ]);
    assert.deepEqual(await dockerfilesOf(body), [EVIL]);
  });

  test('`Dockerfile` missing falls back to `dockerfile`; a named path does not', async () => {
    assert.deepEqual(await dockerfilesOf(archive([{ name: 'dockerfile', data: EVIL }])), [EVIL]);
    await assert.rejects(dockerfilesOf(archive([{ name: 'build/dockerfile', data: EVIL }]), 'build/Dockerfile'), /no Dockerfile at "build\/Dockerfile"/);
  });

  test('?dockerfile names a path in the context; `..` past the root is refused as the engine refuses it', async () => {
    assert.deepEqual(await dockerfilesOf(archive([{ name: 'ci/Containerfile', data: EVIL }]), 'ci/Containerfile'), [EVIL]);
    await assert.rejects(dockerfilesOf(archive([{ name: 'Dockerfile', data: EVIL }]), '../Dockerfile'), /leaves the build context/);
  });

  test('a Dockerfile that is a directory or a fifo is refused (the engine fails, or reads without end)', async () => {
    await assert.rejects(dockerfilesOf(archive([{ name: 'Dockerfile', type: '5' }])), /names a directory/);
    await assert.rejects(dockerfilesOf(archive([{ name: 'Dockerfile', type: '6' }])), /device or a pipe/);
  });

  test('gzip, bzip2 and xz contexts are read through', async () => {
    const tar = archive([{ name: 'Dockerfile', data: EVIL }]);
    assert.deepEqual(await dockerfilesOf(gzipSync(tar)), [EVIL]);
    for (const command of ['bzip2', 'xz']) {
      const compressed = spawnSync(command, ['-c'], { input: tar });
      assert.equal(compressed.status, 0, `${command} is on this host`);
      assert.deepEqual(await dockerfilesOf(compressed.stdout), [EVIL], command);
    }
  });

  test('what Go refuses is refused: a bad checksum, a zero block followed by a header, a file cut short', async () => {
    const bad = archive([{ name: 'Dockerfile', data: EVIL }]);
    bad[0] = 0x65; // the name changes, the checksum no longer matches
    await assert.rejects(dockerfilesOf(bad), /checksum/);
    const zeroThenHeader = Buffer.concat([Buffer.alloc(512), archive([{ name: 'Dockerfile', data: EVIL }])]);
    await assert.rejects(dockerfilesOf(zeroThenHeader), /zero block/);
    await assert.rejects(dockerfilesOf(archive([{ name: 'Dockerfile', data: EVIL }]).subarray(0, 520)), /ends inside a file/);
  });

  test('BuildKit takes a body that is not an archive as the Dockerfile itself; the classic builder finds none', async () => {
    assert.deepEqual(await dockerfilesOf(Buffer.from(EVIL), '', 'buildkit'), [EVIL]);
    await assert.rejects(dockerfilesOf(Buffer.from(EVIL), '', 'classic'), /tar header/);
  });
});
