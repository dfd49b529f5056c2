// Bunnyfile (bunny's YAML build file) → Plan. The public face of src/bunnyfile/.
import type { Planner } from '../plan/types.js';
import type { Platform } from '../platform.js';
import { parseBunnyfile } from './parse.js';
import { Reader } from './nodes.js';
import { planBunnyfile } from './plan.js';

export { isBunnyfile, looksLikeYaml, yamlTopKeys } from './detect.js';
export { parseBunnyfile, type ParsedBunnyfile } from './parse.js';
export { KERNEL_PATH, ROOTFS_PATH } from './plan.js';
export type { Bunnyfile } from './model.js';

export interface ReadBunnyfile {
  /** Plans the file for a platform; the file's problems come with every plan. */
  planner: Planner;
  /** `linux/<platforms.architecture>`, when the file names one. */
  platform?: Platform;
}

/** Reads a bunnyfile once. */
export function readBunnyfile(text: string, file: string): ReadBunnyfile {
  const parsed = parseBunnyfile(text, file);
  const planner: Planner = (opts) => {
    if (!parsed.bunnyfile) return { diagnostics: [...parsed.diagnostics] };
    const r = new Reader(opts.file, parsed.lines);
    r.diagnostics.push(...parsed.diagnostics);
    return planBunnyfile(parsed.bunnyfile, r, opts);
  };
  const arch = parsed.bunnyfile?.platforms.architecture?.value;
  return { planner, ...(arch ? { platform: { os: 'linux', architecture: arch } } : {}) };
}
