import { TraceError, UnsupportedFormatError } from '@lockscope/trace';
import { ConfigError } from '@lockscope/sim';

/** Bad usage or bad input: the CLI prints the message on one line and exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Errors that are the user's input, not a bug: usage, configuration, trace contents, files. */
export function isInputError(err: unknown): boolean {
  if (err instanceof UsageError || err instanceof TraceError || err instanceof UnsupportedFormatError || err instanceof ConfigError) return true;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && ['ENOENT', 'EISDIR', 'EACCES', 'ENOTDIR', 'ERR_PARSE_ARGS_UNKNOWN_OPTION', 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE', 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'].includes(code);
}
