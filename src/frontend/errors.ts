// A user-facing frontend failure that has no Containerfile position (bad opts, unsupported requests,
// unreadable inputs). Its message is shown verbatim by `docker build` / `buildctl`, so it says what
// went wrong and what to do.
export class FrontendError extends Error {
  override name = 'FrontendError';
}

/**
 * An engine error about a base image, made to name it: BuildKit's "not found" does, but a transport
 * failure names only the registry URL (`failed to do request: Head "http://…/v2/…": … refused`).
 */
export function messageNamingImage(ref: string, message: string): string {
  return message.includes(ref) ? message : `${ref}: ${message}`;
}
