// Generated requests for the differential suite (test/e2e/differential-bodies-paths-queries.test.ts):
// container create bodies written byte for byte with the spellings Go's encoding/json reads differently
// from a naive reader (case variants and ſ/K folding of keys, \u escapes in keys, repeated keys with the
// same, another or a null value, unknown fields, legacy root-level HostConfig fields, numbers in odd
// forms, strings with odd escapes and bytes, trailing data), request targets with percent-encodings,
// version spellings and dot segments, and query strings with repeats.
//
// The generators only write bytes; they never say what the bytes mean. The meaning is what the suite
// compares: dockgate's reading (src/inspect, src/route) against what the real engine applied.

import fc from 'fast-check';

// ---------------------------------------------------------------------------------------------------
// JSON documents written exactly as generated

/** One character of a JSON string and how it is written. */
type CharStyle = 'plain' | 'u-lower' | 'u-upper' | 'short';

/** A JSON string: its text, how each character is written (cycled), and at most one oddity at its end. */
export interface JStr {
  kind: 'str';
  text: string;
  styles: CharStyle[];
  oddity: StringOddity;
}

/**
 * What a string may end with beyond its text: an escaped astral character (a surrogate pair), the same raw,
 * an escaped NUL, or things both readers must refuse: a lone surrogate escape, a byte that is not UTF-8, a raw
 * control character.
 */
type StringOddity = 'none' | 'astral-escaped' | 'astral-raw' | 'nul-escaped' | 'lone-surrogate' | 'invalid-utf8' | 'raw-control';

export type JDoc = JStr | { kind: 'num'; literal: string } | { kind: 'lit'; text: 'true' | 'false' | 'null' } | { kind: 'arr'; items: JDoc[] } | { kind: 'obj'; members: JMember[] };

export interface JMember {
  key: JStr;
  value: JDoc;
}

/** Whitespace written between tokens of one body: all four JSON whitespace bytes occur. */
type Spacing = '' | ' ' | '\n  ' | '\t' | '\r\n';

const SHORT_ESCAPES: Readonly<Record<string, string>> = { '"': '\\"', '\\': '\\\\', '/': '\\/', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function hex4(code: number, upper: boolean): string {
  const text = code.toString(16).padStart(4, '0');
  return `\\u${upper ? text.toUpperCase() : text}`;
}

function writeString(s: JStr, out: Buffer[]): void {
  let text = '';
  let i = 0;
  for (const char of s.text) {
    const style = s.styles.length === 0 ? 'plain' : s.styles[i % s.styles.length]!;
    i++;
    const code = char.codePointAt(0)!;
    const mustEscape = char === '"' || char === '\\' || code < 0x20;
    if (style === 'short' && SHORT_ESCAPES[char] !== undefined) text += SHORT_ESCAPES[char];
    else if ((style === 'u-lower' || style === 'u-upper') && code <= 0xffff) text += hex4(code, style === 'u-upper');
    else if (mustEscape) text += SHORT_ESCAPES[char] ?? hex4(code, false);
    else text += char;
  }
  out.push(Buffer.from(`"${text}`, 'utf8'));
  switch (s.oddity) {
    case 'none':
      break;
    case 'astral-escaped':
      out.push(Buffer.from('\\ud83d\\ude00'));
      break;
    case 'astral-raw':
      out.push(Buffer.from('\u{1F600}', 'utf8'));
      break;
    case 'nul-escaped':
      out.push(Buffer.from('\\u0000'));
      break;
    case 'lone-surrogate':
      out.push(Buffer.from('\\ud800x'));
      break;
    case 'invalid-utf8':
      out.push(Buffer.from([0xc3, 0x28]));
      break;
    case 'raw-control':
      out.push(Buffer.from([0x01]));
      break;
  }
  out.push(Buffer.from('"'));
}

function writeDoc(doc: JDoc, spacing: Spacing, out: Buffer[]): void {
  switch (doc.kind) {
    case 'str':
      writeString(doc, out);
      return;
    case 'num':
      out.push(Buffer.from(doc.literal));
      return;
    case 'lit':
      out.push(Buffer.from(doc.text));
      return;
    case 'arr':
      out.push(Buffer.from('['));
      doc.items.forEach((item, index) => {
        if (index > 0) out.push(Buffer.from(`,${spacing}`));
        writeDoc(item, spacing, out);
      });
      out.push(Buffer.from(']'));
      return;
    case 'obj':
      out.push(Buffer.from(`{${spacing}`));
      doc.members.forEach((member, index) => {
        if (index > 0) out.push(Buffer.from(`,${spacing}`));
        writeString(member.key, out);
        out.push(Buffer.from(`${spacing === '\r\n' ? ' ' : spacing}:${spacing === '\t' ? '\t' : ''}`));
        writeDoc(member.value, spacing, out);
      });
      out.push(Buffer.from(`${spacing}}`));
      return;
  }
}

// ---------------------------------------------------------------------------------------------------
// Strings, keys and numbers in odd forms

const charStyles = fc.array(fc.constantFrom<CharStyle>('plain', 'plain', 'plain', 'plain', 'plain', 'plain', 'plain', 'plain', 'u-lower', 'u-upper', 'short'), {
  minLength: 1,
  maxLength: 12,
});

const plainStyles: CharStyle[] = ['plain'];

/** Mostly written plainly; now and then with escapes; rarely with an oddity at the end. */
function stringOf(texts: readonly string[]): fc.Arbitrary<JStr> {
  return fc.record({
    kind: fc.constant('str' as const),
    text: fc.constantFrom(...texts),
    styles: fc.oneof({ weight: 6, arbitrary: fc.constant(plainStyles) }, { weight: 2, arbitrary: charStyles }),
    oddity: fc.oneof(
      { weight: 40, arbitrary: fc.constant<StringOddity>('none') },
      { weight: 1, arbitrary: fc.constantFrom<StringOddity>('astral-escaped', 'astral-raw', 'nul-escaped', 'lone-surrogate', 'invalid-utf8', 'raw-control') },
    ),
  });
}

/** How a field name is spelled as a key: exactly, or in a way Go still matches to the field (or not at all). */
type KeySpelling = 'exact' | 'lower' | 'upper' | 'flip-first' | 'flip-last' | 'long-s' | 'kelvin' | 'escaped-exact' | 'escaped-lower';

function spell(name: string, spelling: KeySpelling): { text: string; styles: CharStyle[] } {
  const flip = (c: string): string => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase());
  switch (spelling) {
    case 'exact':
      return { text: name, styles: plainStyles };
    case 'lower':
      return { text: name.toLowerCase(), styles: plainStyles };
    case 'upper':
      return { text: name.toUpperCase(), styles: plainStyles };
    case 'flip-first':
      return { text: flip(name[0]!) + name.slice(1), styles: plainStyles };
    case 'flip-last':
      return { text: name.slice(0, -1) + flip(name.at(-1)!), styles: plainStyles };
    case 'long-s':
      // U+017F folds to S: only a name with an s can be spelled so; others stay a case variant.
      return /[sS]/.test(name) ? { text: name.replace(/[sS]/, '\u017f'), styles: plainStyles } : { text: name.toLowerCase(), styles: plainStyles };
    case 'kelvin':
      return /[kK]/.test(name) ? { text: name.replace(/[kK]/, '\u212a'), styles: plainStyles } : { text: name.toUpperCase(), styles: plainStyles };
    case 'escaped-exact':
      // Every second character as \u00XX: the same key once unescaped.
      return { text: name, styles: ['plain', 'u-upper'] };
    case 'escaped-lower':
      return { text: name.toLowerCase(), styles: ['u-lower', 'plain'] };
  }
}

function keyOf(name: string): fc.Arbitrary<JStr> {
  return fc
    .oneof(
      { weight: 30, arbitrary: fc.constant<KeySpelling>('exact') },
      { weight: 3, arbitrary: fc.constant<KeySpelling>('escaped-exact') },
      { weight: 5, arbitrary: fc.constantFrom<KeySpelling>('lower', 'upper', 'flip-first', 'flip-last', 'long-s', 'kelvin', 'escaped-lower') },
    )
    .map((spelling) => ({ kind: 'str' as const, ...spell(name, spelling), oddity: 'none' as const }));
}

/** A free-form key (Labels, Tmpfs, ...): no spelling changes, Go keeps map keys apart exactly. */
function mapKeyOf(texts: readonly string[]): fc.Arbitrary<JStr> {
  return stringOf(texts);
}

const lit = (text: 'true' | 'false' | 'null'): JDoc => ({ kind: 'lit', text });
const num = (literal: string): JDoc => ({ kind: 'num', literal });
const NULL = lit('null');

/** Wrong JSON types for a field: both readers refuse or ignore them, and must do so alike. */
const wrongType: fc.Arbitrary<JDoc> = fc.constantFrom<JDoc>(
  { kind: 'str', text: 'true', styles: plainStyles, oddity: 'none' },
  num('1'),
  { kind: 'arr', items: [] },
  { kind: 'obj', members: [] },
);

/** Now and then null (Go leaves the field alone) or a wrong type. */
function withNullsAndWrongTypes(values: fc.Arbitrary<JDoc>): fc.Arbitrary<JDoc> {
  return fc.oneof({ weight: 40, arbitrary: values }, { weight: 2, arbitrary: fc.constant(NULL) }, { weight: 1, arbitrary: wrongType });
}

const bool: fc.Arbitrary<JDoc> = withNullsAndWrongTypes(fc.constantFrom(lit('true'), lit('false')));
/** A flag whose default is false: mostly true, so that a reader that drops it shows. */
const flag: fc.Arbitrary<JDoc> = withNullsAndWrongTypes(fc.constantFrom(lit('true'), lit('true'), lit('true'), lit('false')));

/** The literal forms an integer value can take in a body; Go stores only the plain ones into an integer field. */
function integerLiterals(value: number): string[] {
  const forms = [String(value)];
  if (value === 0) forms.push('-0', '0.0', '0e0');
  else forms.push(`${value}.0`, `${value}e0`, `${value}E+0`);
  if (value !== 0 && value % 100 === 0) forms.push(`${value / 100}e2`);
  return forms;
}

/** Literals out of every Go integer type's range, or beyond 2^53, or not integers at all. */
const HUGE_LITERALS = ['18446744073709551616', '9223372036854775808', '-9223372036854775809', '9007199254740993', '1e400', '-1e400', '1e-400', '0.5'];

function integer(values: readonly number[]): fc.Arbitrary<JDoc> {
  return withNullsAndWrongTypes(
    fc.oneof(
      { weight: 30, arbitrary: fc.constantFrom(...values).map((v) => num(String(v))) },
      {
        weight: 3,
        arbitrary: fc
          .constantFrom(...values)
          .chain((v) => fc.constantFrom(...integerLiterals(v)))
          .map(num),
      },
      { weight: 1, arbitrary: fc.constantFrom(...HUGE_LITERALS).map(num) },
    ),
  );
}

function str(texts: readonly string[]): fc.Arbitrary<JDoc> {
  return withNullsAndWrongTypes(stringOf(texts));
}

function list(texts: readonly string[], maxLength = 3): fc.Arbitrary<JDoc> {
  return withNullsAndWrongTypes(fc.array(stringOf(texts), { maxLength }).map((items): JDoc => ({ kind: 'arr', items })));
}

/** A strslice: a list, or a lone string that Go reads as a one-element list. */
function strSlice(texts: readonly string[]): fc.Arbitrary<JDoc> {
  return fc.oneof({ weight: 3, arbitrary: list(texts) }, { weight: 1, arbitrary: stringOf(texts) });
}

/** An object whose members may repeat a key with the same value or null (Go applies the repeat again). */
function objectOf(members: fc.Arbitrary<JMember[]>): fc.Arbitrary<JDoc> {
  return fc.tuple(members, fc.oneof({ weight: 25, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.nat(8) }), fc.boolean()).map(([list, duplicate, sameValue]): JDoc => {
    if (duplicate < 0 || list.length === 0) return { kind: 'obj', members: list };
    const original = list[duplicate % list.length]!;
    const again: JMember = { key: original.key, value: sameValue ? original.value : NULL };
    return { kind: 'obj', members: [...list, again] };
  });
}

/** A map with distinct keys; objectOf repeats one now and then. */
function map(keys: readonly string[], values: fc.Arbitrary<JDoc>, maxKeys = 3): fc.Arbitrary<JDoc> {
  const members = fc.uniqueArray(fc.record({ key: mapKeyOf(keys), value: values }), { maxLength: maxKeys, selector: (member) => member.key.text });
  return withNullsAndWrongTypes(objectOf(members));
}

/** Some of `names`, in a random order: any of `often` (each about half the time), and up to `maxOthers` others. */
function someFields(names: readonly string[], often: readonly string[] = [], maxOthers = names.length): fc.Arbitrary<string[]> {
  const others = names.filter((name) => !often.includes(name));
  return fc
    .tuple(fc.subarray([...often]), fc.shuffledSubarray(others, { maxLength: maxOthers }))
    .chain(([a, b]) => fc.shuffledSubarray([...a, ...b], { minLength: a.length + b.length, maxLength: a.length + b.length }));
}

/** Members for the chosen fields, each with a key spelled by keyOf. */
function membersFor(fields: Readonly<Record<string, fc.Arbitrary<JDoc>>>, chosen: readonly string[]): fc.Arbitrary<JMember[]> {
  return chosen.length === 0 ? fc.constant([]) : fc.tuple(...chosen.map((name) => fc.record({ key: keyOf(name), value: fields[name]! })));
}

/** Now and then one of the chosen fields once more, spelled and valued afresh (Go decodes it into the first). */
function repeatOf(fields: Readonly<Record<string, fc.Arbitrary<JDoc>>>, chosen: readonly string[]): fc.Arbitrary<JMember | undefined> {
  if (chosen.length === 0) return fc.constant(undefined);
  return fc.oneof(
    { weight: 10, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom(...chosen).chain((name) => fc.record({ key: keyOf(name), value: fields[name]! })) },
  );
}

/** Keys that are no field at all: Go skips them and their value, whatever it is. */
const UNKNOWN_KEYS = ['Foo', 'HostConfig2', 'Labelz', 'hostconfig_', 'Container', 'Privilegedd'];

const unknownValue: fc.Arbitrary<JDoc> = fc.constantFrom<JDoc>(
  lit('true'),
  num('1e999'),
  { kind: 'str', text: 'x', styles: plainStyles, oddity: 'none' },
  { kind: 'arr', items: [lit('null'), num('-0')] },
  { kind: 'obj', members: [{ key: { kind: 'str', text: 'Privileged', styles: plainStyles, oddity: 'none' }, value: lit('true') }] },
);

/** Now and then a key no field matches, with any value. */
const unknownMember: fc.Arbitrary<JMember | undefined> = fc.oneof(
  { weight: 12, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.record({ key: fc.constantFrom(...UNKNOWN_KEYS).map((text): JStr => ({ kind: 'str', text, styles: plainStyles, oddity: 'none' })), value: unknownValue }) },
);

/** A struct: a subset of its fields (`often` ones more likely), each with a key spelled by keyOf. */
function struct(fields: Readonly<Record<string, fc.Arbitrary<JDoc>>>, maxOthers?: number, often: readonly string[] = []): fc.Arbitrary<JDoc> {
  return objectOf(
    someFields(Object.keys(fields), often, maxOthers).chain((chosen) =>
      fc
        .tuple(membersFor(fields, chosen), repeatOf(fields, chosen), unknownMember)
        .map(([members, repeat, unknown]) => [...members, ...(repeat === undefined ? [] : [repeat]), ...(unknown === undefined ? [] : [unknown])]),
    ),
  );
}

const emptyObject: fc.Arbitrary<JDoc> = fc.constant({ kind: 'obj', members: [] });

// ---------------------------------------------------------------------------------------------------
// Container create bodies

/** Host directories that exist on every machine: binds to them create nothing on the host. */
const BINDS = ['/tmp:/mnt/t', '/tmp:/mnt/r:ro', '/etc:/mnt/e:ro,rprivate', '/:/host', '/tmp:/mnt/z:Z'];
const CAPS = ['NET_ADMIN', 'SYS_PTRACE', 'CAP_SYS_ADMIN', 'ALL', 'net_raw', 'MKNOD', 'CHOWN'];

const HOST_CONFIG_FIELDS: Readonly<Record<string, fc.Arbitrary<JDoc>>> = {
  Privileged: flag,
  Binds: list(BINDS),
  CapAdd: strSlice(CAPS),
  CapDrop: strSlice(CAPS),
  Memory: integer([0, 6291456, 67108864, 1000]),
  MemorySwap: integer([0, -1, 134217728]),
  PidsLimit: integer([0, -1, 64, 100]),
  NetworkMode: str(['', 'default', 'none', 'host', 'bridge', 'container:dp-a']),
  ReadonlyRootfs: flag,
  ShmSize: integer([0, 1048576, 67108864]),
  RestartPolicy: struct({ Name: str(['', 'no', 'always', 'on-failure', 'unless-stopped']), MaximumRetryCount: integer([0, 3]) }),
  LogConfig: struct({ Type: str(['json-file', 'none', '']), Config: map(['max-size', 'max-file'], stringOf(['1m', '2'])) }),
  Tmpfs: map(['/run', '/tmp2', '/RUN'], stringOf(['', 'rw,size=1m', 'ro'])),
  SecurityOpt: list(['no-new-privileges', 'no-new-privileges:true', 'label=disable', 'seccomp=unconfined', 'apparmor=unconfined']),
  OomScoreAdj: integer([0, 500, -1000, 1001]),
  CpuShares: integer([0, 2, 512]),
  NanoCpus: integer([0, 500000000]),
  Init: bool,
  Dns: list(['127.0.0.1', '::1']),
  ExtraHosts: list(['h:127.0.0.1', 'H:::1']),
  GroupAdd: list(['10', 'audio']),
  MaskedPaths: list(['/proc/kcore', '/proc/keys']),
  ReadonlyPaths: list(['/proc/sys']),
  Sysctls: map(['net.core.somaxconn', 'kernel.msgmax', 'NET.core.somaxconn'], stringOf(['1024', '65536'])),
  IpcMode: str(['', 'private', 'shareable', 'host', 'none']),
  PidMode: str(['', 'host']),
  UTSMode: str(['', 'host']),
  UsernsMode: str(['', 'host']),
  CgroupnsMode: str(['', 'private', 'host']),
  AutoRemove: bool,
  Devices: withNullsAndWrongTypes(
    fc
      .array(struct({ PathOnHost: str(['/dev/null', '/dev/zero']), PathInContainer: str(['/dev/xnull']), CgroupPermissions: str(['rwm', 'r']) }), { maxLength: 1 })
      .map((items): JDoc => ({ kind: 'arr', items })),
  ),
  Ulimits: withNullsAndWrongTypes(
    fc.array(struct({ Name: str(['nofile', 'nproc']), Soft: integer([1024, 0]), Hard: integer([2048, 0]) }), { maxLength: 1 }).map((items): JDoc => ({ kind: 'arr', items })),
  ),
};

const ENV = ['A=1', 'PATH=/usr/bin:/bin', 'EMPTY=', 'X=\u2028y', 'Q="q"', 'B=\\back', 'U=\u00e9', 'a=lower', 'S=/x/y'];
const LABEL_KEYS = ['a', 'A', 'com.example.k', '\u017f', 's', '\u212a', 'k', '\u00e9', '__proto__', 'constructor', 'x y'];
const LABEL_VALUES = ['', 'v', 'V', '"q"', '\u00e9t\u00e9', 'a/b', 'tab\there'];

const CONFIG_FIELDS: Readonly<Record<string, fc.Arbitrary<JDoc>>> = {
  User: str(['', '0', '1000', '1000:1000', 'root', 'nobody', '65534:65534', 'd\u00e9v']),
  Env: list(ENV),
  Labels: map(LABEL_KEYS, stringOf(LABEL_VALUES), 4),
  Cmd: strSlice(['true', 'sh', '-c', 'echo hi', '/bin/echo']),
  Entrypoint: strSlice(['/bin/sh', '-c', '']),
  WorkingDir: str(['/', '/tmp', '/a/b', 'rel']),
  Tty: bool,
  OpenStdin: bool,
  AttachStdout: bool,
  StopSignal: str(['SIGTERM', 'SIGKILL', '9', 'SIGUSR1']),
  StopTimeout: integer([0, 5, 30, -1]),
  Hostname: str(['h', 'a.b']),
  Domainname: str(['example.org', '']),
  ExposedPorts: map(['80/tcp', '53/udp', '8080'], emptyObject),
  Volumes: map(['/data', '/v'], emptyObject),
  Healthcheck: struct({ Test: list(['CMD', 'true', 'NONE']), Interval: integer([0, 1000000000]), Retries: integer([0, 3]) }),
};

export interface BodyCase {
  /** The body exactly as sent. */
  body: Buffer;
  contentType: string | undefined;
  /** The path prefix: `/v1.41`, `/v1.25`, or none. */
  version: string;
  /** The container name as the query says it (decoded by the engine), and how the query is written. */
  query: QueryShape;
}

interface QueryShape {
  /** `name=...` written with escapes; or absent (the engine picks a name). */
  name: 'plain' | 'escaped' | 'absent' | 'repeated' | 'capital';
  /** Extra pairs: an empty pair, an unknown parameter. */
  extra: '' | '&' | '&&x=1' | '&platform=';
}

/** The request target of a body case whose container name is based on `base`. */
export function bodyCaseTarget(c: BodyCase, base: string): string {
  const escaped = [...base].map((ch, i) => (i % 2 === 1 ? `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}` : ch)).join('');
  const query = {
    plain: `name=${base}`,
    escaped: `name=${escaped}`,
    absent: '',
    repeated: `name=${base}&name=${base}-second`,
    // Go's query names are case-sensitive: the engine ignores `Name` and picks a name itself.
    capital: `Name=${base}`,
  }[c.query.name];
  const all = query + c.query.extra;
  return `${c.version}/containers/create${all.length === 0 ? '' : `?${all}`}`;
}

/** The fields that decide a container's reach into the host: each in about half the bodies. */
const REACH_FIELDS = ['Privileged', 'Binds', 'CapAdd', 'NetworkMode', 'PidMode', 'Memory', 'PidsLimit', 'SecurityOpt'];
const hostConfigBody = struct(HOST_CONFIG_FIELDS, 3, REACH_FIELDS);

export const bodyCase: fc.Arbitrary<BodyCase> = fc
  .record({
    image: keyOf('Image'),
    config: someFields(Object.keys(CONFIG_FIELDS), ['User', 'Env', 'Labels'], 3),
    hostConfig: fc.oneof({ weight: 8, arbitrary: hostConfigBody.map((doc): JDoc | 'absent' => doc) }, { weight: 1, arbitrary: fc.constantFrom<'absent' | JDoc>('absent', NULL) }),
    hostConfigKey: keyOf('HostConfig'),
    legacy: fc.oneof(
      { weight: 10, arbitrary: fc.constant<string | undefined>(undefined) },
      { weight: 1, arbitrary: fc.constantFrom('Binds', 'Privileged', 'CapAdd', 'Memory', 'NetworkMode', 'Dns', 'PidsLimit') },
    ),
    unknown: unknownMember,
    spacing: fc.constantFrom<Spacing>('', '', '', ' ', '\n  ', '\t', '\r\n'),
    trailing: fc.oneof({ weight: 30, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom(' ', '\n', ' {}', 'x', '{"HostConfig":{"Privileged":true}}') }),
    bom: fc.oneof({ weight: 60, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    contentType: fc.oneof(
      { weight: 20, arbitrary: fc.constant<string | undefined>('application/json') },
      { weight: 1, arbitrary: fc.constantFrom<string | undefined>(undefined, 'application/json; charset=utf-8', 'text/plain') },
    ),
    version: fc.oneof({ weight: 10, arbitrary: fc.constant('/v1.41') }, { weight: 1, arbitrary: fc.constantFrom('', '/v1.25', '/v1.30', '/v1.40') }),
    query: fc.record({
      name: fc.oneof(
        { weight: 10, arbitrary: fc.constant<QueryShape['name']>('plain') },
        { weight: 3, arbitrary: fc.constant<QueryShape['name']>('escaped') },
        { weight: 1, arbitrary: fc.constantFrom<QueryShape['name']>('absent', 'repeated', 'capital') },
      ),
      extra: fc.oneof({ weight: 10, arbitrary: fc.constant<QueryShape['extra']>('') }, { weight: 1, arbitrary: fc.constantFrom<QueryShape['extra']>('&', '&&x=1', '&platform=') }),
    }),
  })
  .chain((shape) =>
    fc
      .tuple(
        shape.config.length === 0 ? fc.constant([]) : fc.tuple(...shape.config.map((name) => fc.record({ key: keyOf(name), value: CONFIG_FIELDS[name]! }))),
        shape.legacy === undefined ? fc.constant(undefined) : HOST_CONFIG_FIELDS[shape.legacy]!,
        fc.oneof({ weight: 12, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.nat(6) }),
      )
      .map(([configMembers, legacyValue, duplicate]): BodyCase => {
        const members: JMember[] = [{ key: shape.image, value: { kind: 'str', text: 'busybox:test', styles: plainStyles, oddity: 'none' } }, ...configMembers];
        if (shape.hostConfig !== 'absent') members.push({ key: shape.hostConfigKey, value: shape.hostConfig });
        if (shape.legacy !== undefined && legacyValue !== undefined) {
          members.push({ key: { kind: 'str', text: shape.legacy, styles: plainStyles, oddity: 'none' }, value: legacyValue });
        }
        if (shape.unknown !== undefined) members.push(shape.unknown);
        // A repeated root member, e.g. HostConfig twice: Go merges the two objects, JSON.parse keeps the last.
        if (duplicate >= 0) members.push(members[duplicate % members.length]!);
        const out: Buffer[] = [];
        if (shape.bom) out.push(Buffer.from([0xef, 0xbb, 0xbf]));
        writeDoc({ kind: 'obj', members }, shape.spacing, out);
        out.push(Buffer.from(shape.trailing));
        return { body: Buffer.concat(out), contentType: shape.contentType, version: shape.version, query: shape.query };
      }),
  );

// ---------------------------------------------------------------------------------------------------
// Request targets

/** A percent escape of one ASCII character, in upper or lower case hex. */
function escapeChar(ch: string, lower: boolean): string {
  const hex = ch.charCodeAt(0).toString(16).padStart(2, '0');
  return `%${lower ? hex : hex.toUpperCase()}`;
}

/** Writes `segment` with the characters at the marked positions percent-encoded. */
function encodeSome(segment: string, marks: readonly number[]): string {
  if (marks.length === 0) return segment;
  return [...segment].map((ch, i) => (marks[i % marks.length] === 1 ? escapeChar(ch, false) : marks[i % marks.length] === 2 ? escapeChar(ch, true) : ch)).join('');
}

const escapeMarks = fc.oneof({ weight: 4, arbitrary: fc.constant<number[]>([]) }, { weight: 2, arbitrary: fc.array(fc.constantFrom(0, 0, 0, 1, 2), { minLength: 1, maxLength: 7 }) });

const VERSION_TEXTS = ['1.41', '01.41', '1.041', '1.41.0', '1.40', '1.24', '1.25', '1.23', '1.12', '1.99', '1.4', '1', '1.41.1', '1..41', '.41', '1.41a', '2.0', '1.410'];

export interface PathCase {
  /** The request target exactly as written on the request line. */
  target: string;
}

/** Where the slash before a segment is written, or what precedes it. */
type Separator = '/' | '%2F' | '%2f' | '//' | '/./' | '/%2e/' | '/x/../' | '/x/%2E%2E/';

const separator = fc.oneof(
  { weight: 30, arbitrary: fc.constant<Separator>('/') },
  { weight: 1, arbitrary: fc.constantFrom<Separator>('%2F', '%2f', '//', '/./', '/%2e/', '/x/../', '/x/%2E%2E/') },
);

/**
 * GET /containers/{ref}/json with every part written in odd ways: `refs` are the names and id prefixes of
 * containers that exist (plus ones that do not).
 */
export function pathCase(refs: readonly string[]): fc.Arbitrary<PathCase> {
  return fc
    .record({
      versionPrefix: fc.oneof(
        { weight: 3, arbitrary: fc.constant<string | undefined>(undefined) },
        { weight: 8, arbitrary: fc.constant<string | undefined>('v') },
        { weight: 1, arbitrary: fc.constantFrom<string | undefined>('V', '%76', '%56') },
      ),
      version: fc.oneof({ weight: 6, arbitrary: fc.constant('1.41') }, { weight: 4, arbitrary: fc.constantFrom(...VERSION_TEXTS) }),
      versionMarks: escapeMarks,
      containers: fc.oneof({ weight: 20, arbitrary: fc.constant('containers') }, { weight: 1, arbitrary: fc.constantFrom('Containers', 'container', 'CONTAINERS') }),
      containersMarks: escapeMarks,
      ref: fc.constantFrom(...refs, 'dp-nope', '.', '..'),
      refMarks: escapeMarks,
      leaf: fc.oneof({ weight: 20, arbitrary: fc.constant('json') }, { weight: 1, arbitrary: fc.constantFrom('json/', 'json;x=1', 'JSON', 'json%3Bx') }),
      leafMarks: escapeMarks,
      separators: fc.tuple(separator, separator, separator, separator),
      query: fc.oneof(
        { weight: 6, arbitrary: fc.constant('') },
        { weight: 1, arbitrary: fc.constantFrom('?size=1', '?size=1&size=0', '?size=0&size=1', '?size=true', '?SIZE=1', '?size=%31', '?size', '?&size=1&') },
      ),
    })
    .map((p): PathCase => {
      const [s0, s1, s2, s3] = p.separators;
      const version = p.versionPrefix === undefined ? '' : `${s0}${p.versionPrefix}${encodeSome(p.version, p.versionMarks)}`;
      const leaf = p.leaf.includes('%') || p.leaf.includes(';') ? p.leaf : encodeSome(p.leaf, p.leafMarks);
      // The first separator of a target must be a real slash for it to be origin-form at all.
      const first = version === '' ? (s1 === '%2F' || s1 === '%2f' ? '/' : s1) : s1;
      const target = `${version === '' ? '' : version.startsWith('/') ? version : `/${version}`}${first}${encodeSome(p.containers, p.containersMarks)}${s2}${encodeSome(p.ref, p.refMarks)}${s3}${leaf}${p.query}`;
      return { target: target.startsWith('/') ? target : `/${target}` };
    });
}

// ---------------------------------------------------------------------------------------------------
// Query strings

export interface QueryCase {
  /** The query string after `?`, exactly as written. */
  query: string;
}

function filtersText(kind: 'name' | 'label' | 'status' | 'id', value: string): string {
  return JSON.stringify({ [kind]: [value] });
}

/** How a query value is written: raw where allowed, fully escaped, partly escaped, `+` for spaces. */
type ValueWriting = 'raw' | 'component' | 'some' | 'plus';

function writeValue(value: string, writing: ValueWriting, marks: readonly number[]): string {
  switch (writing) {
    case 'raw':
      return value;
    case 'component':
      return encodeURIComponent(value);
    case 'some':
      return encodeSome(encodeURIComponent(value).replaceAll('%', '\u0000'), marks).replaceAll('\u0000', '%');
    case 'plus':
      return encodeURIComponent(value).replaceAll('%20', '+');
  }
}

const queryPair = fc
  .record({
    name: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom('all', 'limit', 'size', 'filters') },
      { weight: 1, arbitrary: fc.constantFrom('ALL', 'Filters', '%61ll', 'a%6Cl', 'all%00', '', 'before', 'since') },
    ),
    value: fc.constantFrom(
      '1',
      '0',
      'true',
      'false',
      '',
      '2',
      '-1',
      'x',
      filtersText('name', 'dp-a'),
      filtersText('name', 'dp'),
      filtersText('label', 'k=v'),
      filtersText('label', 'k=v w'),
      filtersText('status', 'created'),
      filtersText('status', 'running'),
      filtersText('id', 'nope'),
      '{"name":{"dp-a":true}}',
      '{"nam\u0065":["dp-a"]}',
    ),
    writing: fc.constantFrom<ValueWriting>('raw', 'component', 'component', 'some', 'plus'),
    marks: escapeMarks,
    form: fc.oneof(
      { weight: 10, arbitrary: fc.constant<'pair' | 'bare' | 'double-equals'>('pair') },
      { weight: 1, arbitrary: fc.constantFrom<'bare' | 'double-equals'>('bare', 'double-equals') },
    ),
  })
  .map((p) => {
    if (p.form === 'bare') return p.name;
    const value = writeValue(p.value, p.writing, p.marks);
    return p.form === 'double-equals' ? `${p.name}==${value}` : `${p.name}=${value}`;
  });

/** GET /containers/json?<query>: pairs that repeat (`all=1&all=0`), empty pairs, escaped names, `+`. */
export const queryCase: fc.Arbitrary<QueryCase> = fc
  .record({
    pairs: fc.array(queryPair, { minLength: 1, maxLength: 4 }),
    // A repeat of one of the pairs with another value, written the same way.
    repeat: fc.oneof({ weight: 3, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.nat(3) }),
    repeatValue: fc.constantFrom('0', '1', filtersText('name', 'dp.b_c')),
    joiner: fc.oneof({ weight: 8, arbitrary: fc.constant('&') }, { weight: 1, arbitrary: fc.constantFrom('&&', '&;', '%26') }),
    trailing: fc.oneof({ weight: 8, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('&', '#frag', '&=') }),
  })
  .map((q): QueryCase => {
    const pairs = [...q.pairs];
    if (q.repeat >= 0) {
      const original = pairs[q.repeat % pairs.length]!;
      const name = original.split('=')[0]!;
      pairs.push(`${name}=${encodeURIComponent(q.repeatValue)}`);
    }
    return { query: pairs.join(q.joiner) + q.trailing };
  });
