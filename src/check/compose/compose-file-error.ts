// A compose file Compose would refuse: the operator's mistake, printed as one line that names the file,
// line and column (`docker-compose.yml:4:5: ...`), never with a stack.
import { ConfigError } from '../../errors/config-error.js';
import type { SourceLocation } from '../checked-request.js';

export class ComposeFileError extends ConfigError {
  override name = 'ComposeFileError';

  constructor(
    readonly at: SourceLocation,
    readonly why: string,
  ) {
    super(`${at.file}:${at.line}:${at.column}: ${why}`);
  }
}
