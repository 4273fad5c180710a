// Errors the command line reports as one line: exit code 1 for a problem with files or data, 2 for usage.

export class CliError extends Error {
  constructor(message: string, readonly exitCode: 1 | 2 = 1) {
    super(message);
    this.name = 'CliError';
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, 2);
}
