// Local stand-ins for the official Node images the Dockerfile builds FROM. No registry can be reached
// here, so each is made from what the real one is made of: a Debian bookworm root filesystem
// (debootstrap --variant=minbase from the Debian mirror, with python3, make and g++ where the real image
// has them for node-gyp) plus this machine's Node.js (the `nodejs` package: Node 20 and its headers, npm,
// and the CA configuration npm uses here), imported under the exact name the Dockerfile uses. The
// Dockerfile stays the one users build. A debootstrap takes minutes, so each root filesystem is kept as a
// tar in a cache directory, named by the hash of everything that goes into it; later runs only import it.

import { execFile, execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { onProcessExit } from './cleanup-on-exit.js';
import { dockerOk } from './docker-cli.js';
import type { Endpoint } from './endpoint.js';

const run = promisify(execFile);

/** What a stand-in is made of; its hash names the cached root filesystem. */
interface StandInRecipe {
  /** The image name as the Dockerfile's FROM line spells it. */
  image: string;
  /** Debian packages on top of minbase (the official non-slim image has compilers for node-gyp). */
  include: readonly string[];
}

const BASE_IMAGE_STAND_INS: readonly StandInRecipe[] = [
  { image: 'node:20-bookworm', include: ['python3', 'make', 'g++'] },
  { image: 'node:20-bookworm-slim', include: [] },
];

const SUITE = 'bookworm';
const MIRROR = 'http://deb.debian.org/debian';
/** As in the official images, which set no other environment a build here relies on. */
const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const CACHE_DIR = process.env['DOCKGATE_TEST_CACHE'] ?? '/var/cache/dockgate-test';

export interface StandInTimings {
  image: string;
  /** True when the root filesystem came from the cache whole (debootstrap's part and Node's). */
  cached: boolean;
  /** debootstrap, adding Node and packing the tars (close to 0 when cached). */
  rootfsMs: number;
  importMs: number;
}

/** The images the Dockerfile's FROM lines name, stages left out. */
function dockerfileBaseImages(dockerfile: string): string[] {
  const stages = new Set<string>();
  const images: string[] = [];
  for (const line of readFileSync(dockerfile, 'utf8').split('\n')) {
    const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*$/i.exec(line);
    if (from === null) continue;
    const [, image = '', stage] = from;
    if (!stages.has(image)) images.push(image);
    if (stage !== undefined) stages.add(stage);
  }
  return images;
}

/** This machine's Node: the nodejs package's files, with npm as it is now (it may have been upgraded in place). */
interface HostNode {
  /** The nodejs package's version, npm's and a hash of NPM_TRUST, which name the cached stand-ins. */
  versions: string;
  /**
   * Files and symbolic links to copy (the package's, and npm's tree as it is), no directories: the root
   * filesystem has some of them already, and `docker import` refuses a tar that names a path twice. The
   * engine creates the missing parent directories as it unpacks.
   */
  files: string[];
}

const NPM_DIR = '/usr/lib/node_modules/npm';
/**
 * How this machine's npm reaches the registry: its global npmrc (`cafile=`) and the CA bundle it names. Where
 * the registry is reached through a TLS-inspecting proxy, npm in the build stage needs them as npm on the
 * host does; they belong to the stand-in (this machine's Node as configured here), not to the Dockerfile.
 */
const NPM_TRUST = ['/usr/etc/npmrc', '/etc/ssl/certs/ca-certificates.crt'];

async function hostNode(): Promise<HostNode> {
  const { stdout: version } = await run('dpkg-query', ['-W', '-f=${Version}', 'nodejs']);
  const { stdout: listed } = await run('dpkg', ['-L', 'nodejs']);
  const { stdout: npmTree } = await run('find', [NPM_DIR, '!', '-type', 'd']);
  const npm = (JSON.parse(readFileSync(join(NPM_DIR, 'package.json'), 'utf8')) as { version: string }).version;
  const packaged = listed.split('\n').filter((f) => f.startsWith('/') && !f.startsWith(`${NPM_DIR}/`) && existsSync(f) && !lstatSync(f).isDirectory());
  const trust = NPM_TRUST.filter((f) => existsSync(f));
  const trustHash = createHash('sha256');
  for (const f of trust) trustHash.update(f).update(readFileSync(f));
  return {
    versions: `nodejs ${version}, npm ${npm}, npm trust ${trustHash.digest('hex')}`,
    files: [...packaged, ...npmTree.split('\n').filter((f) => f !== ''), ...trust],
  };
}

function checkNodeMajor(image: string): void {
  const tagMajor = /^node:(\d+)-/.exec(image)?.[1];
  const hostMajor = process.versions.node.split('.')[0];
  if (tagMajor !== hostMajor) throw new Error(`the stand-in for ${image} would carry this machine's Node ${process.versions.node}: install Node ${tagMajor} (nodejs package)`);
}

function cachePath(recipe: StandInRecipe, what: string, inputs: unknown): string {
  const key = createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
  return join(CACHE_DIR, `${recipe.image.replace(/[^a-z0-9.-]/gi, '_')}-${what}-${key}.tar`);
}

/**
 * Makes `tar` unless it is already in the cache: `make` writes the file it is given in a scratch directory,
 * which is then renamed into place (atomic: a concurrent run sees the whole tar or none).
 */
async function cached(tar: string, make: (partial: string, work: string) => Promise<void>): Promise<boolean> {
  if (existsSync(tar)) return true;
  mkdirSync(CACHE_DIR, { recursive: true });
  const work = mkdtempSync(join(CACHE_DIR, 'work-'));
  const removeWork = (): void => {
    unmountUnder(work);
    rmSync(work, { recursive: true, force: true });
  };
  const cancelExitCleanup = onProcessExit(removeWork); // a test that fails meanwhile exits without waiting for us
  try {
    const partial = join(work, 'partial.tar');
    await make(partial, work);
    renameSync(partial, tar);
    return false;
  } finally {
    cancelExitCleanup();
    removeWork();
  }
}

/** debootstrap mounts /proc (and /sys) inside the root filesystem while it works; an interrupted one leaves them mounted, and they must not be removed through. */
function unmountUnder(dir: string): void {
  const mounted = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((target) => target.startsWith(`${dir}/`));
  for (const target of mounted.reverse()) execFileSync('umount', ['--lazy', target]);
}

/** The stand-in's root filesystem as a tar (from the cache when it is there), in two steps cached apart: a new Node does not redo debootstrap. */
async function rootfsTar(recipe: StandInRecipe, node: HostNode): Promise<{ tar: string; cached: boolean }> {
  const debootstrapInputs = { suite: SUITE, variant: 'minbase', mirror: MIRROR, include: recipe.include };
  const debootstrapped = cachePath(recipe, 'debootstrap', debootstrapInputs);
  const wasCached = await cached(debootstrapped, async (partial, work) => {
    const rootfs = join(work, 'rootfs');
    const include = recipe.include.length > 0 ? [`--include=${recipe.include.join(',')}`] : [];
    await run('debootstrap', ['--variant=minbase', ...include, SUITE, rootfs, MIRROR], { maxBuffer: 64 << 20 });
    // What debootstrap leaves behind that no image carries: downloaded packages and package lists.
    await run('sh', ['-c', 'rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*', 'clean', rootfs]);
    await run('tar', ['--numeric-owner', '-C', rootfs, '-cf', partial, '.']);
  });
  const tar = cachePath(recipe, 'with-node', { ...debootstrapInputs, node: node.versions });
  const withNodeCached = await cached(tar, async (partial, work) => {
    // Node appended where the nodejs package puts it (/usr/bin/node, /usr/lib/node_modules/npm, /usr/include/node).
    const fileList = join(work, 'node.files');
    writeFileSync(fileList, node.files.join('\n'));
    await run('cp', [debootstrapped, partial]);
    await run('tar', ['--numeric-owner', '--no-recursion', '-C', '/', '-rf', partial, '-T', fileList]);
  });
  return { tar, cached: wasCached && withNodeCached };
}

/**
 * The stand-ins the Dockerfile needs. Its FROM lines must name exactly the images of BASE_IMAGE_STAND_INS:
 * a base this module does not know would be pulled, which cannot work here, so it fails loudly first.
 */
function standInRecipes(dockerfile: string): readonly StandInRecipe[] {
  const wanted = dockerfileBaseImages(dockerfile);
  const known = BASE_IMAGE_STAND_INS.map((r) => r.image);
  if (wanted.join(' ') !== known.join(' ')) throw new Error(`${dockerfile} builds FROM ${wanted.join(', ')}; stand-ins exist for ${known.join(', ')}`);
  for (const recipe of BASE_IMAGE_STAND_INS) checkNodeMajor(recipe.image);
  return BASE_IMAGE_STAND_INS;
}

/**
 * Makes every stand-in's root filesystem into the cache, without an engine: scripts/test.sh runs this
 * in the background while the lint and the unit tests run, so that a fresh machine's debootstrap
 * (minutes, mostly waiting on the mirror) is not added to the end-to-end suite.
 */
export async function makeBaseImageStandInRootfs(dockerfile: string): Promise<void> {
  const recipes = standInRecipes(dockerfile);
  const node = await hostNode();
  await Promise.all(recipes.map((recipe) => rootfsTar(recipe, node)));
}

/** Imports a stand-in for every image the Dockerfile builds FROM into the engine, under its name (its root filesystem made first unless cached). */
export async function importBaseImageStandIns(endpoint: Endpoint, dockerfile: string): Promise<StandInTimings[]> {
  const recipes = standInRecipes(dockerfile);
  const node = await hostNode();
  return Promise.all(
    recipes.map(async (recipe) => {
      const started = Date.now();
      const { tar, cached } = await rootfsTar(recipe, node);
      const imported = Date.now();
      await dockerOk(['import', '--change', `ENV PATH=${IMAGE_PATH}`, '--change', 'CMD ["node"]', tar, recipe.image], { ...endpoint, timeoutMs: 300_000 });
      return { image: recipe.image, cached, rootfsMs: imported - started, importMs: Date.now() - imported };
    }),
  );
}
