// Variables in a compose file's values, substituted as Compose 1.29 substitutes them (its
// TemplateWithDefaults, a Python string.Template): `$VAR`, `${VAR}`, `${VAR:-default}` (unset or empty),
// `${VAR-default}` (unset), `${VAR:?error}` (unset or empty is an error), `${VAR?error}` (unset is an
// error), `$$` for a literal `$`; names are letters, digits and `_`, not starting with a digit, in either
// case. Any other `$` is an invalid interpolation, which Compose refuses; an unset variable without a
// default becomes the empty string. Keys are never substituted. The legacy format (no `version`, services at
// the top level) is substituted by a plain string.Template: `$VAR`, `${VAR}` and `$$` only.

/** The variables a project is interpolated with: `.env` beside the first file, the environment over it. */
export type Variables = Readonly<Record<string, string | undefined>>;

export class InterpolationError extends Error {
  constructor(
    readonly kind: 'invalid' | 'required',
    message: string,
  ) {
    super(message);
  }
}

const PLAIN_PATTERN = /\$(?:(\$)|([_a-z][_a-z0-9]*)|\{([_a-z][_a-z0-9]*)\}()()|)/giu;
const PATTERN = /\$(?:(\$)|([_a-z][_a-z0-9]*)|\{([_a-z][_a-z0-9]*)(?:(:?[-?])([^}]*))?\}|)/giu;

function substituteOne(variables: Variables, name: string, separator: string | undefined, argument: string): string {
  const value = Object.hasOwn(variables, name) ? variables[name] : undefined;
  switch (separator) {
    case ':-':
      return value === undefined || value === '' ? argument : value;
    case '-':
      return value ?? argument;
    case ':?':
      if (value === undefined || value === '') throw new InterpolationError('required', argument === '' ? name : argument);
      return value;
    case '?':
      if (value === undefined) throw new InterpolationError('required', argument === '' ? name : argument);
      return value;
    default:
      return value ?? '';
  }
}

/** `text` with its variables substituted (`withDefaults`: the `:-`, `-`, `:?` and `?` forms too); throws InterpolationError as Compose would refuse it. */
export function interpolate(text: string, variables: Variables, withDefaults = true): string {
  if (!text.includes('$')) return text;
  return text.replace(
    withDefaults ? PATTERN : PLAIN_PATTERN,
    (match, escaped: string | undefined, named: string | undefined, braced: string | undefined, separator: string | undefined, argument: string | undefined) => {
      if (escaped !== undefined) return '$';
      if (named !== undefined) return substituteOne(variables, named, undefined, '');
      if (braced !== undefined) return substituteOne(variables, braced, separator, argument ?? '');
      throw new InterpolationError(
        'invalid',
        `invalid interpolation format ${JSON.stringify(text)}: ${JSON.stringify(match === '' ? '$' : match)} is not $VAR, \${VAR}, \${VAR:-default} or $$`,
      );
    },
  );
}
