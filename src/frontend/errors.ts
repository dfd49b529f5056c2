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

/**
 * A subrequest punch does not answer, as BuildKit's typed error (errdefs.UnsupportedSubrequestError):
 * its status detail lets buildx tell it from a failed build.
 */
export class UnsupportedSubrequestError extends FrontendError {
  override name = 'UnsupportedSubrequestError';

  constructor(readonly request: string) {
    super(`unsupported request ${request}`);
  }

  /** code Unknown, as Go's grpcerrors gives an error without a code, and the JSON-typed detail. */
  toStatus(): { code: number; message: string; details: { type_url: string; value: Buffer }[] } {
    return {
      code: 2,
      message: this.message,
      details: [{ type_url: 'github.com/moby/buildkit/errdefs.Subrequest+json', value: Buffer.from(JSON.stringify({ name: this.request }), 'utf8') }],
    };
  }
}
