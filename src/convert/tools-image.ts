// Which image the initrd ExecOp runs on: punch's own (frontend) image, which holds node and the
// bundle. An explicit choice wins; then the image BuildKit runs this frontend from; then the build
// file's `#syntax=` line; then the image published for this punch version.
import { PunchError, diagnostic, lineRange } from '../diagnostics.js';
import { isReferenceError, normalizeReference } from '../oci/reference.js';
import { VERSION } from '../version.js';

/** The build argument that names the tools image (frontend, `punch llb`, `punch build`). */
export const TOOLS_IMAGE_ARG = 'PUNCH_TOOLS_IMAGE';

/** Where punch releases publish the frontend image, tagged with the version (`npm run image -- --tag … --push`). */
export const PUBLISHED_REPOSITORY = 'ghcr.io/punch-build/punch';

export type ToolsImageOrigin = 'option' | 'build-arg' | 'frontend' | 'syntax' | 'default';

export interface ToolsImage {
  /** Normalised reference (`docker.io/library/punch:1` form), digest kept when given. */
  ref: string;
  origin: ToolsImageOrigin;
}

export interface ToolsImageInput {
  /** `--tools-image` (`punch llb`, `punch build`) or the frontend's `tools-image` opt. */
  toolsImage?: string;
  /** The frontend's `source` opt: the image BuildKit runs punch from (the `#syntax=` or BUILDKIT_SYNTAX image). */
  frontendImage?: string;
  buildArgs: Readonly<Record<string, string>>;
  file: string;
}

/** The well-known Dockerfile frontend: a `#syntax=` naming it says nothing about punch's image. */
function isDockerfileFrontend(ref: string): boolean {
  return /^docker\.io\/docker\/dockerfile(-upstream)?[:@]/.test(ref);
}

/** The tools image for a build file with these parser directives (`{ syntax: 'reg/punch:1' }`). */
export function toolsImage(input: ToolsImageInput, directives: Readonly<Record<string, string>>): ToolsImage {
  const candidates: Array<[ToolsImageOrigin, string | undefined, string]> = [
    ['option', input.toolsImage, 'the tools image option'],
    ['build-arg', input.buildArgs[TOOLS_IMAGE_ARG], `build argument ${TOOLS_IMAGE_ARG}`],
    ['frontend', input.frontendImage?.trim().split(/\s+/)[0], 'the frontend source'],
    ['syntax', directives['syntax']?.trim().split(/\s+/)[0], 'the #syntax= line'],
  ];
  for (const [origin, text, where] of candidates) {
    if (text === undefined || text === '') continue;
    const ref = normalizeReference(text);
    if (isReferenceError(ref)) {
      throw new PunchError([diagnostic('error', input.file, lineRange(1), `${where} names "${text}", which is not an image reference (${ref.error}): name punch's image, e.g. registry.example/punch:1`)]);
    }
    if (origin === 'syntax' && isDockerfileFrontend(ref)) continue;
    return { ref, origin };
  }
  return { ref: `${PUBLISHED_REPOSITORY}:${VERSION}`, origin: 'default' };
}
