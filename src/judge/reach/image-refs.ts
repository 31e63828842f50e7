// Image references normalised the way the engine normalises them (`busybox` is
// `docker.io/library/busybox:latest`), and matched against the policy's glob patterns.
import { show } from './go-strings.js';
import type { ReachContext } from './reach-context.js';

export interface ImageReference {
  /** `docker.io/library/busybox` */
  name: string;
  /** `docker.io/library/busybox:latest`, or with `@sha256:...` */
  full: string;
}

/** distribution/reference's splitDockerDomain, applied to the part before any tag or digest. */
function normaliseName(name: string): string {
  const slash = name.indexOf('/');
  let domain: string;
  let remainder: string;
  const first = slash === -1 ? '' : name.slice(0, slash);
  if (slash === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = 'docker.io';
    remainder = name;
  } else {
    domain = first;
    remainder = name.slice(slash + 1);
  }
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !remainder.includes('/')) remainder = `library/${remainder}`;
  return `${domain}/${remainder}`;
}

/** Splits `name[:tag][@digest]`; the tag is a `:` after the last `/` (a registry port is not a tag). */
function splitReference(ref: string): { name: string; tag?: string; digest?: string } {
  const at = ref.indexOf('@');
  const digest = at === -1 ? undefined : ref.slice(at + 1);
  const rest = at === -1 ? ref : ref.slice(0, at);
  const colon = rest.lastIndexOf(':');
  const tag = colon > rest.lastIndexOf('/') ? rest.slice(colon + 1) : undefined;
  const name = tag === undefined ? rest : rest.slice(0, colon);
  return { name, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

export function normaliseImageReference(ref: string): ImageReference {
  const { name, tag, digest } = splitReference(ref);
  const normal = normaliseName(name);
  let full = normal;
  if (tag !== undefined) full += `:${tag}`;
  if (digest !== undefined) full += `@${digest}`;
  if (tag === undefined && digest === undefined) full += ':latest';
  return { name: normal, full };
}

/** A reference the engine may read as an image id or id prefix rather than a name. */
export function mayBeImageId(ref: string): boolean {
  return /^(sha256:)?[0-9a-f]{1,64}$/.test(ref);
}

/** A policy pattern, normalised like a reference but without a default tag. */
export function normalisePattern(pattern: string): string {
  if (pattern === '*' || pattern === '**') return pattern;
  const { name, tag, digest } = splitReference(pattern);
  let out = normaliseName(name);
  if (tag !== undefined) out += `:${tag}`;
  if (digest !== undefined) out += `@${digest}`;
  return out;
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Whether a reference matches a normalised pattern; a pattern without tag or digest matches any. */
export function imageMatches(ref: ImageReference, pattern: string): boolean {
  if (pattern === '**') return true;
  const tail = pattern.slice(pattern.lastIndexOf('/') + 1);
  const pinned = tail.includes(':') || pattern.includes('@');
  return globToRegExp(pattern).test(pinned ? ref.full : ref.name);
}

/** Judges an image reference against the policy's patterns (none: any image). */
export function judgeImageReference(ctx: ReachContext, field: string, ref: string | undefined): void {
  const patterns = ctx.constraints.images;
  if (patterns.length === 0 || ref === undefined) return;
  if (ref === '') {
    ctx.deny('images', field, 'names no image', 'Name an image this policy allows');
    return;
  }
  const allowed = patterns.join(', ');
  if (mayBeImageId(ref)) {
    ctx.deny('images', field, `${show(ref)} may be read as an image id, which cannot be matched against the allowed images (${allowed})`, 'Name the image by repository and tag');
    return;
  }
  const normal = normaliseImageReference(ref);
  if (patterns.some((p) => imageMatches(normal, normalisePattern(p)))) return;
  ctx.deny('images', field, `the image ${normal.full} is not one this policy allows (${allowed})`, `Use an image matching ${allowed}`);
}
