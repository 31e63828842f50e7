// `HostConfig.Binds` entries read the way the engine's Linux mount parser reads them:
// `source:target[:mode]`, where an absolute source is a host path and anything else a volume name,
// and the mode is a comma-separated list in which each kind of option may appear once.

export interface BindSpec {
  /** `bind`: a host path; `volume`: a named volume; `anonymous`: a target only. */
  kind: 'bind' | 'volume' | 'anonymous';
  source: string;
  target: string;
  mode: string;
  readOnly: boolean;
  /** The propagation option given in the mode, if any. */
  propagation?: string;
  /** The SELinux relabel option (`z` or `Z`), if any. */
  label?: string;
}

const RW_MODES = new Set(['rw', 'ro']);
const LABEL_MODES = new Set(['z', 'Z']);
const PROPAGATION_MODES = new Set(['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared']);
const COPY_MODES = new Set(['nocopy']);
const CONSISTENCY_MODES = new Set(['consistent', 'cached', 'delegated']);

/** moby's linuxValidMountMode: every option known, at most one of each kind. */
export function isValidMountMode(mode: string): boolean {
  if (mode === '') return true;
  const counts = { rw: 0, label: 0, propagation: 0, copy: 0, consistency: 0 };
  for (const option of mode.split(',')) {
    if (RW_MODES.has(option)) counts.rw++;
    else if (LABEL_MODES.has(option)) counts.label++;
    else if (PROPAGATION_MODES.has(option)) counts.propagation++;
    else if (COPY_MODES.has(option)) counts.copy++;
    else if (CONSISTENCY_MODES.has(option)) counts.consistency++;
    else return false;
  }
  return Object.values(counts).every((n) => n <= 1);
}

/** Parses one Binds entry; returns a reason string when the engine would refuse it as invalid. */
export function parseBindSpec(raw: string): BindSpec | string {
  // strings.SplitN(raw, ":", 4)
  const parts: string[] = [];
  let rest = raw;
  while (parts.length < 3) {
    const colon = rest.indexOf(':');
    if (colon === -1) break;
    parts.push(rest.slice(0, colon));
    rest = rest.slice(colon + 1);
  }
  parts.push(rest);
  if (parts[0] === '') return 'it has an empty source';
  let source = '';
  let target: string;
  let mode = '';
  switch (parts.length) {
    case 1:
      target = parts[0]!;
      break;
    case 2:
      if (isValidMountMode(parts[1]!)) return 'a target with a mode but no source is not a valid volume';
      source = parts[0]!;
      target = parts[1]!;
      break;
    case 3:
      source = parts[0]!;
      target = parts[1]!;
      mode = parts[2]!;
      break;
    default:
      return 'it has more than three colon-separated parts';
  }
  if (!isValidMountMode(mode)) return `the mode ${JSON.stringify(mode)} is not valid`;
  const options = mode === '' ? [] : mode.split(',');
  const kind = parts.length === 1 ? 'anonymous' : source.startsWith('/') ? 'bind' : 'volume';
  return {
    kind,
    source,
    target,
    mode,
    readOnly: options.includes('ro'),
    ...(options.find((o) => PROPAGATION_MODES.has(o)) !== undefined && { propagation: options.find((o) => PROPAGATION_MODES.has(o))! }),
    ...(options.find((o) => LABEL_MODES.has(o)) !== undefined && { label: options.find((o) => LABEL_MODES.has(o))! }),
  };
}
