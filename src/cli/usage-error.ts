// A mistake in how punch was called (flags, paths): printed as `punch: <message>`, exit status 2.
export class UsageError extends Error {
  override name = 'UsageError';
}
