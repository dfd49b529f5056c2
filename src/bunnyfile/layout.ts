// What a bunnyfile's rootfs section asks for, after bunny's rules: which fields go together, the
// framework's default type (Unikraft: initrd, others: raw), and what each combination builds.
import type { SourceRange } from '../diagnostics.js';
import type { Located } from '../plan/types.js';
import type { Bunnyfile, Include, RootfsType, Source } from './model.js';
import type { Reader } from './nodes.js';

export type RootfsLayout =
  /** No rootfs: the kernel alone. */
  | { kind: 'none' }
  /** An existing initrd or block file, from the context or an image, placed or named as it is. */
  | { kind: 'file'; type: Located<'initrd' | 'block'>; from: Source; fromRange: SourceRange; path: Located<string> }
  /** The image's own files are the guest's rootfs (mountRootfs): a base image (or nothing) plus the includes. */
  | { kind: 'raw'; type: SourceRange; base?: Located<string>; include: Include[] }
  /** An initrd packed from a tree: a base image's files (or nothing) plus the includes. */
  | { kind: 'initrd'; type: SourceRange; base?: Located<string>; include: Include[] };

/** Frameworks whose rootfs types bunny restricts (every other framework takes all three). */
const FRAMEWORK_TYPES: Record<string, readonly RootfsType[]> = { unikraft: ['initrd', 'raw'] };

export function defaultRootfsType(framework: string): RootfsType {
  return framework === 'unikraft' ? 'initrd' : 'raw';
}

export function rootfsLayout(bf: Bunnyfile, r: Reader): RootfsLayout | undefined {
  const rootfs = bf.rootfs;
  if (!rootfs) return { kind: 'none' };
  const framework = bf.platforms.framework.value;
  const from = rootfs.from?.value ?? { kind: 'scratch' as const };
  const fromRange = rootfs.from?.range ?? rootfs.range;
  const typeRange = rootfs.type?.range ?? rootfs.range;
  const type = rootfs.type?.value ?? defaultRootfsType(framework);
  const allowed = FRAMEWORK_TYPES[framework];
  if (allowed && !allowed.includes(type)) {
    return r.error(typeRange, `rootfs.type ${type} is not a rootfs ${framework} can use: write rootfs.type: ${allowed.join(' or ')}`);
  }
  const { path, include } = rootfs;
  const firstInclude = include[0]?.range;

  if (from.kind === 'scratch') {
    if (path) return r.error(path.range, 'rootfs.path names a file in rootfs.from, and scratch has none: set rootfs.from: local (or an image) or remove rootfs.path');
    if (include.length === 0) {
      if (type === 'raw') return { kind: 'raw', type: typeRange, include };
      // Nothing to put in an initrd or block image: no rootfs, as when the section is absent.
      if (rootfs.type) return r.error(rootfs.type.range, `rootfs.type: ${type} with nothing in it: list files in rootfs.include, or give an existing file with rootfs.from: local and rootfs.path`);
      return { kind: 'none' };
    }
    if (type === 'raw') return { kind: 'raw', type: typeRange, include };
    if (type === 'initrd') return { kind: 'initrd', type: typeRange, include };
    return r.error(typeRange, 'rootfs.type: block from rootfs.include: punch does not generate block images (nor does bunny); build the image and give it with rootfs.from: local and rootfs.path');
  }

  if (from.kind === 'local') {
    if (include.length > 0) return r.error(firstInclude!, 'rootfs.include adds files to a rootfs punch builds, and rootfs.from: local names a ready one: remove rootfs.include, or use rootfs.from: scratch');
    if (type === 'raw') {
      return r.error(typeRange, 'a raw rootfs is the image\'s own files, so it can not come from a local file: list the files in rootfs.include with rootfs.from: scratch, or set rootfs.type: initrd or block');
    }
    if (!path) return r.error(fromRange, 'rootfs.from: local needs rootfs.path: the initrd or block file in the build context');
    return { kind: 'file', type: { value: type, range: typeRange }, from, fromRange, path };
  }

  // An image: a ready rootfs file in it (path), or its files as the rootfs.
  const base = { value: from.written, range: fromRange };
  if (path) {
    if (type === 'raw') return r.error(path.range, 'rootfs.path can not be combined with a raw rootfs (the image itself is the rootfs): remove rootfs.path, or set rootfs.type: initrd or block');
    if (include.length > 0) return r.error(firstInclude!, 'rootfs.include can not add files to the existing rootfs file rootfs.path names: remove one of them');
    return { kind: 'file', type: { value: type, range: typeRange }, from, fromRange, path };
  }
  if (type === 'raw') return { kind: 'raw', type: typeRange, base, include };
  if (type === 'initrd') return { kind: 'initrd', type: typeRange, base, include };
  return r.error(typeRange, `rootfs.type: block from the image ${from.written}: punch does not generate block images (nor does bunny); give the block file with rootfs.path`);
}
