// A user-facing frontend failure that has no Containerfile position (bad opts, unsupported requests,
// unreadable inputs). Its message is shown verbatim by `docker build` / `buildctl`, so it says what
// went wrong and what to do.
export class FrontendError extends Error {
  override name = 'FrontendError';
}
