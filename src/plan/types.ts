// The build plan: what a Containerfile asks for, after parsing, ARG expansion and stage resolution,
// before any LLB exists. Pure data; text → plan → graph → bytes.
import type { Diagnostic, SourceRange } from '../diagnostics.js';
import type { Platform } from '../platform.js';

/** A value from the Containerfile (after expansion) with the range it was written at. */
export interface Located<T> {
  value: T;
  range: SourceRange;
}

export type StageBase =
  | { kind: 'scratch' }
  /** `ref` is normalised like Docker: `alpine` → `docker.io/library/alpine:latest` (digest kept when pinned). */
  | { kind: 'image'; ref: string; written: string }
  /** FROM <earlier stage name>. */
  | { kind: 'stage'; stage: number }
  /** A named context that is a directory (`--build-context NAME=DIR`), `written` as the file names it. */
  | { kind: 'local'; key: string; written: string };

export type CopyFrom =
  | { kind: 'context' }
  | { kind: 'stage'; stage: number }
  | { kind: 'image'; ref: string; written: string }
  | { kind: 'local'; key: string; written: string };

/**
 * What a named context (`--build-context NAME=…`, BuildKit's `context:NAME` opt) stands for: an image
 * (`docker-image://`, `oci-layout://`, ref already normalised), the empty image, or files with no image
 * config known to the engine by `key` (the opt's key: `NAME` or `NAME::PLATFORM`): a client directory,
 * a git checkout or an HTTP download.
 */
export type NamedContextSource = { kind: 'image'; ref: string } | { kind: 'scratch' } | { kind: 'local'; key: string };

/**
 * The named context for a stage name or image reference as written (matched as Docker matches them:
 * `alpine`, `alpine:latest` and `docker.io/library/alpine` are one name), at the platform it is used at.
 */
export type NamedContextLookup = (name: string, platform: Platform) => NamedContextSource | undefined;

/** `--chown=user[:group]` as written (names, or decimal ids as strings). */
export interface Chown {
  user: string;
  group?: string;
}

export interface CopyStep {
  kind: 'copy';
  instruction: 'COPY' | 'ADD';
  range: SourceRange;
  /** Progress name as BuildKit users know it, e.g. `COPY kernel /unikernel/kernel`. */
  description: string;
  from: CopyFrom;
  /** Source paths after expansion, as written (relative to the context or the source stage). */
  sources: Located<string>[];
  /**
   * Here-documents among the sources (`COPY <<EOF /etc/app.conf`), after the sources in BuildKit's
   * order. `sources` and `inline` are never both empty.
   */
  inline: InlineFile[];
  /** Destination after expansion, made absolute against WORKDIR; a trailing `/` is kept. */
  dest: Located<string>;
  /** Permission bits from `--chmod` (octal in the file). */
  chmod?: number;
  chown?: Chown;
  /** `--link` is accepted; every punch layer is independent of its parent already. */
  link: boolean;
  /** ADD of local files: tar archives are unpacked. */
  unpack: boolean;
}

/** A here-document a COPY/ADD writes: a file named after its word, with the body (tabs stripped, variables expanded as asked). */
export interface InlineFile {
  /** The word without its quotes (`<<"EOT"` → `EOT`): the file's name. */
  name: string;
  content: string;
  /** The `<<EOF` word. */
  range: SourceRange;
}

/** A `RUN --mount=…`, options decoded and defaulted as Docker's Dockerfile frontend does. */
export type RunMount =
  | { type: 'bind'; target: string; from: CopyFrom; source: string; readonly: boolean; range: SourceRange }
  | {
      type: 'cache';
      target: string;
      /** Already namespaced like Docker's (`/` + id, the target when no id is given). */
      id: string;
      sharing: 'shared' | 'private' | 'locked';
      from?: CopyFrom;
      source: string;
      readonly: boolean;
      mode?: number;
      uid?: number;
      gid?: number;
      range: SourceRange;
    }
  | { type: 'tmpfs'; target: string; size: number; range: SourceRange }
  | { type: 'secret'; id: string; target: string; required: boolean; mode: number; uid: number; gid: number; range: SourceRange }
  | { type: 'ssh'; id: string; target?: string; required: boolean; mode: number; uid: number; gid: number; range: SourceRange };

export interface RunStep {
  kind: 'run';
  range: SourceRange;
  /** Progress name without the `[stage n/m]` prefix, e.g. `RUN go build ./...` (variables expanded for display). */
  description: string;
  /** The instruction's line as written, continuations joined, heredoc bodies left out (`RUN <<EOF`). */
  source: string;
  /** The command as the engine runs it: the stage's SHELL plus the command line, or the JSON form as given. */
  args: string[];
  shellForm: boolean;
  /** The environment Docker gives the command, in Docker's order: base and ENV variables and ARG values in scope. */
  env: [string, string][];
  /** Working directory, when WORKDIR set one in this stage (else the base image's); made by its WorkdirStep. */
  workdir?: string;
  /** USER of this stage so far (else the base image's). */
  user?: string;
  mounts: RunMount[];
  /** A RUN that is one `#!` heredoc: the file Docker mounts read-only in /dev/pipes/ and runs. */
  script?: { name: string; content: string };
  network: Located<'default' | 'none' | 'host'> | undefined;
  security: Located<'sandbox' | 'insecure'> | undefined;
  /** Docker's history entry, e.g. `RUN /bin/sh -c make # buildkit`. */
  createdBy: string;
}

/** One file or directory an initrd holds: `source`, read from `from`, placed at `dest` in the archive. */
export interface InitrdItem {
  from: CopyFrom;
  /** Path in the source as written: relative to the context, or a path in the stage or image. */
  source: Located<string>;
  /**
   * Path in the archive, `/` being its root (`etc/app.conf` and `/etc/app.conf` are the same). COPY's
   * rules: a directory source copies its contents; a trailing `/` puts a file inside that directory.
   */
  dest: Located<string>;
}

/**
 * A reproducible cpio "newc" archive of listed files (bunnyfile `rootfs.type: initrd`), written into
 * the stage at `dest`. Members are owned 0:0 when they come from the context and keep the owners a
 * stage or image gives them; mtimes are clamped to SOURCE_DATE_EPOCH (0 when unset). On BuildKit it is
 * one ExecOp of `punch initrd` on punch's own image; `punch build` runs that op in-process.
 */
export interface InitrdStep {
  kind: 'initrd';
  /** What the step is read from (the bunnyfile's `rootfs` key), where its errors point. */
  range: SourceRange;
  /** Progress name, e.g. `initrd /unikernel/initrd` (the ops add `[punch] ` and their part). */
  description: string;
  /** Applied in order, like COPYs: a later item replaces what an earlier one put at the same path. May be empty. */
  items: InitrdItem[];
  /** Absolute path of the archive in the image. */
  dest: Located<string>;
  /** Docker's history entry, e.g. `INITRD /unikernel/initrd # punch`. */
  createdBy: string;
}

/**
 * WORKDIR: Docker makes the directory at this line (parents too, 0755, owned by the USER in effect),
 * even when no RUN follows; `WORKDIR /` makes nothing but still counts in the stage's step total.
 */
export interface WorkdirStep {
  kind: 'workdir';
  range: SourceRange;
  /** Progress name without the `[stage n/m]` prefix: `WORKDIR sub` as written, variables expanded. */
  description: string;
  /** Absolute, cleaned. */
  dir: string;
  /** USER of this stage so far (else the base image's, known only when converting). */
  user?: string;
}

export type Step = CopyStep | RunStep | InitrdStep | WorkdirStep;

export interface Label {
  key: string;
  value: string;
  range: SourceRange;
}

/**
 * What a stage's instructions do to the image config, applied on top of the base image's config.
 * Lists are in file order; the last write wins where Docker says so.
 */
export interface StageConfig {
  /** ENV pairs in order (a later key replaces an earlier one, base env included). */
  env: Located<[string, string]>[];
  entrypoint?: Located<string[]>;
  cmd?: Located<string[]>;
  workdir?: Located<string>;
  user?: Located<string>;
  /** `80/tcp` form. */
  exposedPorts: Located<string>[];
  /** Labels in file order, duplicates kept (the last one wins when merged). */
  labels: Label[];
  stopSignal?: Located<string>;
  volumes: Located<string>[];
  /** SHELL: Docker keeps it in the image config, where a derived image's RUN finds it. */
  shell?: Located<string[]>;
}

export interface HistoryStep {
  /** Docker-like `created_by`, e.g. `COPY kernel /unikernel/kernel # buildkit`. */
  createdBy: string;
  emptyLayer: boolean;
}

export interface Stage {
  index: number;
  /** Lower-cased `AS name`, if any. */
  name?: string;
  /** The FROM instruction. */
  range: SourceRange;
  base: StageBase;
  /** FROM --platform, when given. */
  platform?: Located<Platform>;
  /** COPY/ADD and RUN in file order. */
  steps: Step[];
  config: StageConfig;
  history: HistoryStep[];
}

/** An ARG declaration, as the outline subrequest lists it. */
export interface DeclaredArg {
  name: string;
  /** The resolved value (build arg, else the expanded default, else the global's); absent when unset. */
  value?: string;
  /** The ARG instruction. */
  range: SourceRange;
  /** The stage it is declared in; absent for a global ARG (before the first FROM). */
  stage?: number;
  /** The variables its default refers to (a global used by a stage brings these along). */
  uses: string[];
  /** A stage's `ARG NAME` (no default, no build arg) that takes the global's value. */
  inherited?: true;
}

export interface Plan {
  /** File name used in diagnostics. */
  file: string;
  /** Parser directives (`# syntax=`, `# escape=`), keys lower-cased. */
  directives: Record<string, string>;
  stages: Stage[];
  /** Index of the stage to build (`--target`, else the last). */
  target: number;
  /** Build args that were given but not declared by any ARG (Docker warns about these). */
  unusedBuildArgs: string[];
  /** Every ARG declaration in file order. */
  args: DeclaredArg[];
  /** Per stage, the global ARGs its FROM line refers to. */
  fromArgs: string[][];
}

/** The parts of a base image's config that later instructions read, as Docker's frontend does. */
export interface BaseImageFacts {
  /** `K=V` pairs: `$VAR` expansion and the RUN environment. */
  env: string[];
  /** WorkingDir: a relative WORKDIR or COPY destination starts there, and RUN runs there. */
  workdir?: string;
  /** Shell: what a shell-form RUN runs through until the stage's own SHELL. */
  shell?: string[];
}

/** What planning a build file for one target needs besides the file itself. */
export interface PlanOptions {
  /** Name used in diagnostics. */
  file: string;
  /** `--build-arg` values. */
  buildArgs: Record<string, string>;
  /** `--target` (stage name). */
  target?: string;
  /** For TARGETPLATFORM/TARGETOS/TARGETARCH/TARGETVARIANT. */
  targetPlatform: Platform;
  /** For BUILDPLATFORM/BUILDOS/BUILDARCH/BUILDVARIANT. */
  buildPlatform: Platform;
  /** What a resolved base image's config tells the instructions after its FROM. */
  baseImage?: (ref: string) => BaseImageFacts | undefined;
  /** Named contexts: they replace a stage of their name (its instructions unused), a FROM image or a `--from` image. */
  namedContexts?: NamedContextLookup;
}

/**
 * A build file already decoded and read, planned once per platform (and again with the bases' Env).
 * Each kind of build file (Containerfile, bunnyfile) supplies one; everything after it is shared.
 */
export type Planner = (opts: PlanOptions) => PlanResult;

export interface PlanResult {
  /** Absent when any diagnostic is an error. */
  plan?: Plan;
  /**
   * With errors: what could still be read (the instructions in error left out), so later checks
   * (urunc labels) can report their problems in the same run. Never built.
   */
  partial?: Plan;
  diagnostics: Diagnostic[];
}
