/** A failure the local runtime reports as one line, without a stack trace. */
export class LocalRuntimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalRuntimeError';
  }
}
