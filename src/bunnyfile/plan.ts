// Bunnyfile → Plan: the same stages, COPY steps, labels and config a Containerfile would give, so
// urunc.json, annotations, Cmd/Entrypoint and every check are the shared code's. Where the image's
// files go follows bunny: the kernel at /.boot/kernel, a rootfs file at /.boot/rootfs.
import { hasErrors, type SourceRange } from '../diagnostics.js';
import { cleanPath } from '../gopath.js';
import { isOciLayoutRef, isReferenceError, normalizeReference } from '../oci/reference.js';
import type { CopyFrom, CopyStep, InitrdItem, InitrdStep, Label, Located, Plan, PlanOptions, PlanResult, Stage, StageBase } from '../plan/types.js';
import { formatPlatform } from '../platform.js';
import { URUNC_PREFIX, unikraftBasePlatform } from '../urunc/index.js';
import { rootfsLayout, type RootfsLayout } from './layout.js';
import type { Bunnyfile, Include, Source } from './model.js';
import type { Reader } from './nodes.js';

/** Where bunny puts the kernel and a rootfs file it copies into the image. */
export const KERNEL_PATH = '/.boot/kernel';
export const ROOTFS_PATH = '/.boot/rootfs';

const PROXY_ARGS = new Set(['HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'NO_PROXY', 'ALL_PROXY'].flatMap((n) => [n, n.toLowerCase()]));

function emptyStage(index: number, range: SourceRange, base: StageBase): Stage {
  return { index, range, base, steps: [], config: { env: [], exposedPorts: [], labels: [], volumes: [] }, history: [] };
}

class Builder {
  readonly stages: Stage[] = [];

  constructor(
    readonly bf: Bunnyfile,
    readonly r: Reader,
    readonly opts: PlanOptions,
  ) {}

  imageBase(written: Located<string>): StageBase | undefined {
    if (isOciLayoutRef(written.value)) return { kind: 'image', ref: written.value, written: written.value };
    const ref = normalizeReference(written.value);
    if (isReferenceError(ref)) return this.r.error(written.range, `invalid image reference "${written.value}": ${ref.error}`);
    return { kind: 'image', ref, written: written.value };
  }

  /** A stage holding an image whose files a step reads; a Unikraft kernel image resolved for its machine (qemu, fc). */
  imageStage(written: Located<string>, kernel = false): number | undefined {
    const base = this.imageBase(written);
    if (!base) return undefined;
    const st = emptyStage(this.stages.length, written.range, base);
    const { framework, monitor } = this.bf.platforms;
    if (kernel && framework.value === 'unikraft') {
      st.platform = { value: unikraftBasePlatform(monitor.value, this.opts.targetPlatform.architecture), range: written.range };
    }
    this.stages.push(st);
    return st.index;
  }

  sourceOf(from: Source, at: SourceRange, kernel = false): CopyFrom | undefined {
    if (from.kind === 'local') return { kind: 'context' };
    const stage = this.imageStage({ value: from.written, range: at }, kernel);
    return stage === undefined ? undefined : { kind: 'stage', stage };
  }

  /** Whether a build-context source stays inside the context (else an error at it). */
  inside(from: CopyFrom, source: Located<string>): boolean {
    if (from.kind !== 'context' || cleanPath(source.value).split('/')[0] !== '..') return true;
    this.r.error(source.range, `"${source.value}" is outside the build context: sources must stay inside it`);
    return false;
  }

  copy(st: Stage, from: CopyFrom, written: { from?: string; source: string }, source: Located<string>, dest: string, range: SourceRange): void {
    if (!this.inside(from, source)) return;
    const value = from.kind === 'context' ? source.value.replace(/^\/+/, '') || '.' : source.value;
    const flag = written.from !== undefined ? ` --from=${written.from}` : '';
    const step: CopyStep = {
      kind: 'copy',
      instruction: 'COPY',
      range,
      description: `COPY${flag} ${written.source} ${dest}`,
      from,
      sources: [{ value, range: source.range }],
      inline: [],
      dest: { value: dest, range: source.range },
      link: false,
      unpack: false,
    };
    st.steps.push(step);
    st.history.push({ createdBy: `COPY ${written.source} ${dest} # bunnyfile`, emptyLayer: false });
  }

  /** The COPY of an include item; its image stage (if any) is added now, before the final stage. */
  include(inc: Include): ((st: Stage) => void) | undefined {
    const from = this.sourceOf(inc.from, inc.range);
    if (!from) return undefined;
    const d = inc.destination.value;
    const dest = d.endsWith('/') ? cleanPath(`/${d}`).replace(/\/?$/, '/') : cleanPath(`/${d}`);
    return (st) => this.copy(st, from, { ...(inc.from.kind === 'image' ? { from: inc.from.written } : {}), source: inc.source.value }, inc.source, dest, inc.range);
  }

  label(st: Stage, name: string, value: string, range: SourceRange): void {
    st.config.labels.push({ key: `${URUNC_PREFIX}${name}`, value, range } satisfies Label);
  }
}

/** The final stage's base: a raw rootfs's base (or scratch), else a ready rootfs file's image, else the kernel image. */
function finalBase(b: Builder, layout: RootfsLayout): { base: StageBase; range: SourceRange; kernelIsBase: boolean } | undefined {
  const kernel = b.bf.kernel;
  if (layout.kind === 'raw') {
    if (!layout.base) return { base: { kind: 'scratch' }, range: layout.type, kernelIsBase: false };
    const base = b.imageBase(layout.base);
    return base && { base, range: layout.base.range, kernelIsBase: false };
  }
  if (layout.kind === 'file' && layout.from.kind === 'image') {
    const base = b.imageBase({ value: layout.from.written, range: layout.fromRange });
    return base && { base, range: layout.fromRange, kernelIsBase: false };
  }
  if (kernel.from.value.kind === 'image') {
    const base = b.imageBase({ value: kernel.from.value.written, range: kernel.from.range });
    return base && { base, range: kernel.from.range, kernelIsBase: true };
  }
  return { base: { kind: 'scratch' }, range: kernel.range, kernelIsBase: false };
}

/** The initrd step: a rootfs image's whole tree (if any), then each include, packed at /.boot/rootfs. */
function initrdOf(b: Builder, layout: Extract<RootfsLayout, { kind: 'initrd' }>, range: SourceRange): InitrdStep | undefined {
  const items: InitrdItem[] = [];
  let ok = true;
  if (layout.base) {
    const stage = b.imageStage(layout.base);
    if (stage === undefined) ok = false;
    else items.push({ from: { kind: 'stage', stage }, source: { value: '/', range: layout.base.range }, dest: { value: '/', range: layout.base.range } });
  }
  for (const inc of layout.include) {
    const from = b.sourceOf(inc.from, inc.range);
    if (!from || !b.inside(from, inc.source)) {
      ok = false;
      continue;
    }
    const value = from.kind === 'context' ? inc.source.value.replace(/^\/+/, '') || '.' : inc.source.value;
    items.push({ from, source: { value, range: inc.source.range }, dest: inc.destination });
  }
  if (!ok) return undefined;
  return { kind: 'initrd', range, description: `initrd ${ROOTFS_PATH}`, items, dest: { value: ROOTFS_PATH, range }, createdBy: `INITRD ${ROOTFS_PATH} # bunnyfile` };
}

export function planBunnyfile(bf: Bunnyfile, r: Reader, opts: PlanOptions): PlanResult {
  const b = new Builder(bf, r, opts);
  if (opts.target !== undefined) r.error(bf.version.range, `--target ${opts.target}: a bunnyfile has no build stages to choose from; build without --target`);
  const arch = bf.platforms.architecture;
  if (arch && arch.value !== opts.targetPlatform.architecture) {
    r.warning(arch.range, `platforms.architecture is ${arch.value}, but the build asks for ${formatPlatform(opts.targetPlatform)} (--platform wins): the image is built for ${formatPlatform(opts.targetPlatform)}`);
  }
  const layout = rootfsLayout(bf, r);
  const chosen = layout && finalBase(b, layout);
  if (!layout || !chosen) return { diagnostics: r.diagnostics };

  // Image stages the COPYs read come first, so the final stage is the last (the target).
  const pending: Array<(st: Stage) => void> = [];
  const { platforms, kernel } = bf;
  if (layout.kind === 'raw') {
    for (const inc of layout.include) {
      const add = b.include(inc);
      if (add) pending.push(add);
    }
  }

  let binary = KERNEL_PATH;
  if (chosen.kernelIsBase) binary = kernel.path.value;
  else {
    const from = b.sourceOf(kernel.from.value, kernel.from.range, true);
    if (from) {
      const flag = kernel.from.value.kind === 'image' ? { from: kernel.from.value.written } : {};
      pending.push((st) => b.copy(st, from, { ...flag, source: kernel.path.value }, kernel.path, KERNEL_PATH, kernel.range));
    }
  }

  let rootfsFile: string | undefined;
  if (layout.kind === 'file') {
    if (layout.from.kind === 'local') {
      rootfsFile = ROOTFS_PATH;
      pending.push((st) => b.copy(st, { kind: 'context' }, { source: layout.path.value }, layout.path, ROOTFS_PATH, layout.path.range));
    } else rootfsFile = cleanPath(`/${layout.path.value}`);
    if (layout.type.value === 'block') {
      r.warning(layout.type.range, `rootfs.type: block: the block image ${layout.path.value} is used as it is; punch does not generate block images (nor does bunny)`);
    }
  }
  if (layout.kind === 'initrd') {
    const step = initrdOf(b, layout, bf.rootfs!.range);
    if (step) {
      pending.push((st) => {
        st.steps.push(step);
        st.history.push({ createdBy: step.createdBy, emptyLayer: false });
      });
    }
  }

  const final = emptyStage(b.stages.length, chosen.range, chosen.base);
  for (const add of pending) add(final);
  b.label(final, 'unikernelType', platforms.framework.value, platforms.framework.range);
  b.label(final, 'hypervisor', platforms.monitor.value, platforms.monitor.range);
  if (platforms.version) b.label(final, 'unikernelVersion', platforms.version.value, platforms.version.range);
  b.label(final, 'binary', binary, kernel.path.range);
  if (layout.kind === 'initrd') b.label(final, 'initrd', ROOTFS_PATH, layout.type);
  if (layout.kind === 'file') {
    b.label(final, layout.type.value, rootfsFile!, layout.path.range);
    if (layout.type.value === 'block') b.label(final, 'blkMntPoint', platforms.framework.value === 'rumprun' ? '/data' : '/', layout.type.range);
  }
  // bunny: mountRootfs off unless the rootfs is raw (the image's files are the guest's root).
  const typeRange = layout.kind === 'none' ? kernel.range : layout.kind === 'file' ? layout.type.range : layout.type;
  b.label(final, 'mountRootfs', layout.kind === 'raw' ? 'true' : 'false', typeRange);

  if (bf.cmd) final.config.cmd = bf.cmd;
  else if (bf.cmdline) {
    const words = bf.cmdline.value.split(/\s+/).filter((w) => w !== '');
    if (words.length > 0) final.config.cmd = { value: words, range: bf.cmdline.range };
  }
  if (bf.entrypoint) final.config.entrypoint = bf.entrypoint;
  final.config.env = bf.envs;
  b.stages.push(final);

  const plan: Plan = {
    file: opts.file,
    directives: bf.directives,
    stages: b.stages,
    target: final.index,
    unusedBuildArgs: Object.keys(opts.buildArgs).filter((k) => !PROXY_ARGS.has(k)).sort(),
    args: [],
    fromArgs: b.stages.map(() => []),
  };
  return hasErrors(r.diagnostics) ? { partial: plan, diagnostics: r.diagnostics } : { plan, diagnostics: r.diagnostics };
}
