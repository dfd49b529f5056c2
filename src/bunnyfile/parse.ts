// Bunnyfile text → Bunnyfile: YAML parsed with positions (the `yaml` package), every key and type
// checked, bunny's own rules (required keys, version, which rootfs fields go together) as diagnostics.
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document, type Pair } from 'yaml';
import { lineRange, sortByPosition, type Diagnostic, type SourceRange } from '../diagnostics.js';
import type { Located } from '../plan/types.js';
import { normalizePlatform } from '../platform.js';
import { directiveBlock, stripBom } from './detect.js';
import {
  BUNNYFILE_VERSION, INCLUDE_KEYS, KERNEL_KEYS, PLATFORM_KEYS, ROOTFS_KEYS, ROOTFS_TYPES, TOP_KEYS,
  type Bunnyfile, type Include, type RootfsType, type Source,
} from './model.js';
import { Reader, closest } from './nodes.js';

export interface ParsedBunnyfile {
  /** Absent when any diagnostic is an error. */
  bunnyfile?: Bunnyfile;
  diagnostics: Diagnostic[];
  /** Offsets → positions, for diagnostics found later (planning). */
  lines: LineCounter;
}

/** YAML documents with the positions the reader needs. */
export function parseYaml(text: string): { doc: Document.Parsed; lines: LineCounter } {
  const lines = new LineCounter();
  const doc = parseDocument(stripBom(text), { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  return { doc, lines };
}

/** Architectures bunny's examples write, and the OCI names they mean. */
const ARCHITECTURES: Record<string, string> = { x86: 'amd64', x86_64: 'amd64', amd64: 'amd64', aarch64: 'arm64', arm64: 'arm64', riscv64: 'riscv64' };

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** `v0.1`, `0.1`, `v0.1.0`: bunny compares versions like hashicorp/go-version. */
function checkVersion(r: Reader, v: Located<string>): void {
  const m = /^v?(\d+)((?:\.\d+)*)$/.exec(v.value.trim());
  if (!m) {
    r.error(v.range, `version "${v.value}" is not a version: write version: ${BUNNYFILE_VERSION}`);
    return;
  }
  const parts = [m[1]!, ...m[2]!.split('.').slice(1)].map(Number);
  const newer = parts[0]! > 0 || (parts[1] ?? 0) > 1 || ((parts[1] ?? 0) === 1 && parts.slice(2).some((n) => n > 0));
  if (newer) r.error(v.range, `unsupported bunnyfile version ${v.value}: punch reads ${BUNNYFILE_VERSION} and earlier`);
}

function source(r: Reader, v: Located<string>, allowScratch: boolean): Located<Source | { kind: 'scratch' }> | undefined {
  const t = v.value.trim();
  if (t === '') return r.error(v.range, `from needs a value: local${allowScratch ? ', scratch' : ''} or an image reference`);
  if (t === 'local') return { value: { kind: 'local' }, range: v.range };
  if (t === 'scratch') {
    if (allowScratch) return { value: { kind: 'scratch' }, range: v.range };
    return r.error(v.range, 'kernel.from: scratch holds no kernel: write local (the build context) or an image reference');
  }
  return { value: { kind: 'image', written: t }, range: v.range };
}

class Sections {
  constructor(private readonly r: Reader) {}

  str(pairs: Map<string, Pair>, key: string, what: string): Located<string> | undefined {
    const p = pairs.get(key);
    return p ? this.r.string(p.value, what, this.r.pairRange(p)) : undefined;
  }

  required(pairs: Map<string, Pair>, key: string, what: string, at: SourceRange, hint: string): Located<string> | undefined {
    if (!pairs.has(key)) return this.r.error(at, `${what} is required: ${hint}`);
    return this.str(pairs, key, what);
  }

  platforms(pair: Pair): Bunnyfile['platforms'] | undefined {
    const at = this.r.pairRange(pair);
    const m = this.r.mapping(pair.value, 'platforms', at, PLATFORM_KEYS);
    if (!m) return undefined;
    const framework = this.required(m, 'framework', 'platforms.framework', at, 'the unikernel framework, e.g. framework: unikraft');
    const monitor = this.required(m, 'monitor', 'platforms.monitor', at, 'the monitor (hypervisor), e.g. monitor: qemu');
    const version = this.str(m, 'version', 'platforms.version');
    const arch = this.str(m, 'architecture', 'platforms.architecture');
    let architecture: Located<string> | undefined;
    if (arch) {
      const known = ARCHITECTURES[arch.value.toLowerCase()];
      if (known) architecture = { value: normalizePlatform({ os: 'linux', architecture: known }).architecture, range: arch.range };
      else {
        const guess = closest(arch.value, Object.keys(ARCHITECTURES));
        this.r.error(arch.range, `unknown platforms.architecture "${arch.value}"${guess ? `; did you mean "${guess}"?` : ''} (known: ${Object.keys(ARCHITECTURES).join(', ')})`);
      }
    }
    if (!framework || !monitor || (arch && !architecture)) return undefined;
    return { range: at, framework, monitor, ...(version ? { version } : {}), ...(architecture ? { architecture } : {}) };
  }

  kernel(pair: Pair): Bunnyfile['kernel'] | undefined {
    const at = this.r.pairRange(pair);
    const m = this.r.mapping(pair.value, 'kernel', at, KERNEL_KEYS);
    if (!m) return undefined;
    const from = this.required(m, 'from', 'kernel.from', at, 'local (the build context) or an image reference');
    const path = this.required(m, 'path', 'kernel.path', at, 'the kernel file in the build context or the image');
    const src = from ? source(this.r, from, false) : undefined;
    if (path && path.value === '') this.r.error(path.range, 'kernel.path needs a value: the kernel file in the build context or the image');
    if (!src || !path || path.value === '') return undefined;
    return { range: at, from: src as Located<Source>, path };
  }

  include(node: unknown, at: SourceRange): Include | undefined {
    const range = this.r.rangeOf(node as never, at);
    if (isMap(node)) {
      const m = this.r.mapping(node, 'an include item', range, INCLUDE_KEYS);
      if (!m) return undefined;
      const fromText = this.str(m, 'from', 'include from');
      const src = this.required(m, 'source', 'include source', range, 'the path in the build context or the image');
      const dst = this.required(m, 'destination', 'include destination', range, 'the path inside the rootfs');
      const from = fromText ? source(this.r, fromText, false) : { value: { kind: 'local' as const }, range };
      if (src?.value === '') this.r.error(src.range, 'include source is empty: name a file in the build context or the image');
      if (dst?.value === '') this.r.error(dst.range, 'include destination is empty: name the path inside the rootfs');
      if (!from || !src || !dst || src.value === '' || dst.value === '') return undefined;
      return { from: from.value as Source, source: src, destination: dst, range };
    }
    const s = this.r.string(node, 'include item', range);
    if (!s) return undefined;
    // bunny: `src:dst`, split at the first colon; `src` alone keeps its path.
    const colon = s.value.indexOf(':');
    const srcText = colon === -1 ? s.value : s.value.slice(0, colon);
    const dstText = colon === -1 || s.value.slice(colon + 1) === '' ? srcText : s.value.slice(colon + 1);
    if (srcText === '') return this.r.error(s.range, `include item "${s.value}" has an empty source: write "<file in the build context>:<path in the rootfs>"`);
    return { from: { kind: 'local' }, source: { value: srcText, range: s.range }, destination: { value: dstText, range: s.range }, range };
  }

  rootfs(pair: Pair): Bunnyfile['rootfs'] | undefined {
    const at = this.r.pairRange(pair);
    if (isScalar(pair.value) && pair.value.value === null) return { range: at, include: [] };
    const m = this.r.mapping(pair.value, 'rootfs', at, ROOTFS_KEYS);
    if (!m) return undefined;
    let ok = true;
    const fromText = this.str(m, 'from', 'rootfs.from');
    const from = fromText ? source(this.r, fromText, true) : undefined;
    if (fromText && !from) ok = false;
    const path = this.str(m, 'path', 'rootfs.path');
    if (m.has('path') && !path) ok = false;
    let type: Located<RootfsType> | undefined;
    const typeText = this.str(m, 'type', 'rootfs.type');
    if (typeText) {
      if ((ROOTFS_TYPES as readonly string[]).includes(typeText.value)) type = typeText as Located<RootfsType>;
      else {
        const guess = closest(typeText.value, ROOTFS_TYPES);
        ok = this.r.error(typeText.range, `unknown rootfs.type "${typeText.value}"${guess ? `; did you mean "${guess}"?` : ''} (known: ${ROOTFS_TYPES.join(', ')})`) ?? false;
      }
    } else if (m.has('type')) ok = false;
    const include: Include[] = [];
    const inc = m.get('include');
    if (inc && !(isScalar(inc.value) && inc.value.value === null)) {
      if (!isSeq(inc.value)) ok = this.r.error(this.r.pairRange(inc), 'rootfs.include must be a list of "src:dst" strings or {from, source, destination} mappings') ?? false;
      else {
        for (const item of inc.value.items) {
          const i = this.include(item, this.r.pairRange(inc));
          if (i) include.push(i);
          else ok = false;
        }
      }
    }
    if (!ok) return undefined;
    return { range: at, ...(from ? { from } : {}), ...(path ? { path } : {}), ...(type ? { type } : {}), include };
  }

  list(pair: Pair, what: string, example: string): Located<string[]> | undefined {
    const got = this.r.strings(pair.value, what, this.r.pairRange(pair), example);
    return got ? { value: got.list.map((l) => l.value), range: got.range } : undefined;
  }

  envs(pair: Pair): Located<[string, string]>[] | undefined {
    const got = this.r.strings(pair.value, 'envs', this.r.pairRange(pair), '["KEY=value"]');
    if (!got) return undefined;
    const out: Located<[string, string]>[] = [];
    for (const e of got.list) {
      const eq = e.value.indexOf('=');
      if (eq <= 0) {
        this.r.error(e.range, `envs item "${e.value}" is not KEY=value: write e.g. HOME=/root`);
        continue;
      }
      out.push({ value: [e.value.slice(0, eq), e.value.slice(eq + 1)], range: e.range });
    }
    return out.length === got.list.length ? out : undefined;
  }
}

/** Reads a bunnyfile: the model, or every problem found (as many as one pass can find). */
export function parseBunnyfile(text: string, file: string): ParsedBunnyfile {
  const { doc, lines } = parseYaml(text);
  const r = new Reader(file, lines);
  for (const e of doc.errors) r.error(r.span(e.pos[0], e.pos[1]), `YAML: ${firstLine(e.message)}`);
  for (const w of doc.warnings) r.warning(r.span(w.pos[0], w.pos[1]), `YAML: ${firstLine(w.message)}`);
  if (doc.errors.length > 0) return { diagnostics: r.diagnostics, lines };
  const whole = lineRange(1);
  const top = r.mapping(doc.contents, 'the bunnyfile', whole, TOP_KEYS);
  if (!top) return { diagnostics: r.diagnostics, lines };
  const s = new Sections(r);

  const version = s.required(top, 'version', 'version', whole, `write version: ${BUNNYFILE_VERSION} at the top`);
  if (version) checkVersion(r, version);
  const platformsPair = top.get('platforms');
  const platforms = platformsPair ? s.platforms(platformsPair) : r.error(whole, 'platforms is required: platforms: {framework: …, monitor: …}');
  const kernelPair = top.get('kernel');
  const kernel = kernelPair ? s.kernel(kernelPair) : r.error(whole, 'kernel is required: kernel: {from: local, path: <kernel file>}');
  const rootfsPair = top.get('rootfs');
  const rootfs = rootfsPair ? s.rootfs(rootfsPair) : undefined;
  const cmdPair = top.get('cmd');
  const cmd = cmdPair ? s.list(cmdPair, 'cmd', '["app", "arg"]') : undefined;
  const entrypointPair = top.get('entrypoint');
  const entrypoint = entrypointPair ? s.list(entrypointPair, 'entrypoint', '["init"]') : undefined;
  const envsPair = top.get('envs');
  const envs = envsPair ? s.envs(envsPair) : [];
  const cmdlinePair = top.get('cmdline');
  const cmdline = cmdlinePair ? r.string(cmdlinePair.value, 'cmdline', r.pairRange(cmdlinePair)) : undefined;

  const broken = !version || !platforms || !kernel || !envs || (cmdlinePair && !cmdline);
  if (broken || r.diagnostics.some((d) => d.severity === 'error')) return { diagnostics: sortByPosition(r.diagnostics), lines };
  if (cmd && cmdline) r.warning(cmdline.range, 'cmdline is ignored because cmd is given (as bunny does): remove one of them');
  const bunnyfile: Bunnyfile = {
    directives: directiveBlock(text),
    version: version!,
    platforms: platforms!,
    kernel: kernel!,
    ...(rootfs ? { rootfs } : {}),
    ...(cmd ? { cmd } : {}),
    ...(entrypoint ? { entrypoint } : {}),
    envs: envs!,
    ...(cmdline ? { cmdline } : {}),
  };
  return { bunnyfile, diagnostics: sortByPosition(r.diagnostics), lines };
}
