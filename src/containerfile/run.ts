// RUN and SHELL → RunStep / the stage's shell: flags (--mount, --network, --security), shell and exec
// forms, here-documents, and the environment and history Docker's Dockerfile frontend gives a RUN.
import type { RunMount, RunStep } from '../plan/types.js';
import { argsRange, pieceRange, scopeLookup, type Ctx, type StageState } from './context.js';
import type { StageNames } from './copy.js';
import { readFlags, type FlagValue } from './flags.js';
import { expandForDisplay } from './lexer.js';
import { parseMount } from './mounts.js';
import { heredocBody, type HeredocSource } from './source.js';
import { jsonArray, splitFlags, type Piece } from './words.js';

export const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c'];
export { DEFAULT_PATH } from '../platform.js';

const NETWORKS = ['default', 'none', 'host'] as const;
const SECURITY = ['sandbox', 'insecure'] as const;

/** `SHELL ["executable", "parameters"]`: JSON form only, as Docker requires. */
export function shellInstruction(ctx: Ctx, state: StageState): void {
  const text = ctx.ins.args.text;
  const json = jsonArray(text);
  if (json === undefined || 'error' in json) {
    ctx.report.error(argsRange(ctx), 'SHELL requires the arguments to be in JSON form, e.g. SHELL ["/bin/sh", "-c"]');
    return;
  }
  if (json.length === 0) {
    ctx.report.error(argsRange(ctx), 'SHELL requires at least one argument');
    return;
  }
  state.shell = json.map((p) => p.text);
  state.stage.config.shell = { value: [...state.shell], range: argsRange(ctx) };
  state.stage.history.push({ createdBy: `SHELL [${state.shell.map((s) => JSON.stringify(s)).join(' ')}]`, emptyLayer: true });
}

/**
 * The command line of a shell-form RUN. A RUN that is just one heredoc runs its body as the script
 * (Docker's case); any other heredoc is passed to the shell as written, which reads it itself.
 */
function shellCommand(cmd: string, heredocs: readonly HeredocSource[]): string {
  if (heredocs.length === 0) return cmd;
  if (heredocs.length === 1 && cmd.trim() === heredocs[0]!.operator.text) return heredocBody(heredocs[0]!);
  return [cmd, ...heredocs.map((h) => `${h.body.text}${h.name}`)].join('\n') + '\n';
}

/** For the progress name only: variables replaced as Docker shows them; left as written if that fails. */
function forDisplay(text: string, env: Map<string, string>, escape: string): string {
  const r = expandForDisplay(text, (n) => env.get(n), escape);
  return 'error' in r ? text : r.value;
}

export function runInstruction(ctx: Ctx, state: StageState, names: StageNames): void {
  const text = ctx.ins.args.text;
  const split = splitFlags(text);
  const mountPieces = split.flags.filter((p) => /^--mount(=|$)/.test(p.text));
  const flags = readFlags(
    ctx,
    split.flags.filter((p) => !mountPieces.includes(p)),
    { mount: 'string', network: 'string', security: 'string' },
  );
  const lookup = scopeLookup(state.scope);
  const mounts: RunMount[] = [];
  let ok = flags !== undefined;
  for (const p of mountPieces) {
    const value = p.text.slice('--mount='.length);
    if (!p.text.startsWith('--mount=')) {
      ctx.report.error(pieceRange(ctx, p), 'missing a value on flag: --mount');
      ok = false;
      continue;
    }
    const m = parseMount(ctx, p, value, lookup, state.workdir, names, state.stage.index);
    if (m) mounts.push(m);
    else ok = false;
  }
  const network = flags && choice(ctx, flags.get('network'), NETWORKS);
  const security = flags && choice(ctx, flags.get('security'), SECURITY);
  if (network === null || security === null) ok = false;

  const rest: Piece = { text: text.slice(split.rest), start: split.rest, end: text.length };
  if (rest.text.trim() === '') {
    ctx.report.error(ctx.ins.keywordRange, 'RUN requires at least one argument (the command to run)');
    return;
  }
  const json = jsonArray(rest.text, rest.start);
  if (json !== undefined && 'error' in json) {
    ctx.report.error(argsRange(ctx), json.error);
    return;
  }
  if (json !== undefined && json.length === 0) {
    ctx.report.error(argsRange(ctx), 'RUN requires at least one argument (the command to run)');
    return;
  }
  const shellForm = json === undefined;
  const open = ctx.ins.heredocs.find((h) => h.delimiter === undefined);
  if (open) {
    ctx.report.error(argsRange(ctx), `unterminated heredoc ${open.operator.text}: end it with a line holding only ${open.name}`);
    return;
  }
  if (shellForm && state.emptyScratch) {
    ctx.report.error(
      ctx.ins.keywordRange,
      `RUN in shell form runs ${state.shell.join(' ')}, but this stage starts FROM scratch and nothing has been copied in: ` +
        'COPY a shell (and what it needs) in first, use the exec form RUN ["/path/to/program", "arg"], or start FROM an image with a shell',
    );
    ok = false;
  }
  state.emptyScratch = false;
  if (!ok) return;

  const script = shellForm ? shebangScript(rest.text, ctx.ins.heredocs) : undefined;
  const command = script ? `${SCRIPT_DIR}${script.name}` : shellForm ? shellCommand(rest.text, ctx.ins.heredocs) : '';
  const args = shellForm ? [...state.shell, command] : json.map((p) => p.text);
  const shownCmd = shellForm && ctx.ins.heredocs.length > 0 ? heredocDisplay(rest.text, ctx.ins.heredocs) : rest.text;
  const flagText = text.slice(0, split.rest).trimEnd();
  const step: RunStep = {
    kind: 'run',
    range: ctx.ins.range,
    source: `RUN ${text}`,
    description: `RUN ${forDisplay([flagText, shownCmd].filter((s) => s !== '').join(' '), state.runEnv, ctx.escape)}`,
    args,
    shellForm,
    env: [...state.runEnv],
    ...(state.stage.config.workdir ? { workdir: state.workdir } : {}),
    ...(state.stage.config.user ? { user: state.stage.config.user.value } : {}),
    mounts,
    ...(script ? { script } : {}),
    network: network ?? undefined,
    security: security ?? undefined,
    createdBy: `RUN ${args.join(' ')} # buildkit`,
  };
  state.stage.steps.push(step);
  state.stage.history.push({ createdBy: step.createdBy, emptyLayer: false });
}

/** Where Docker mounts the script of a RUN that is one `#!` heredoc. */
export const SCRIPT_DIR = '/dev/pipes/';

/**
 * A RUN that is one heredoc whose body starts with `#!`: Docker writes the body as an executable file
 * and runs that (through the shell, which execs its interpreter), instead of feeding it to the shell.
 */
function shebangScript(cmd: string, heredocs: readonly HeredocSource[]): { name: string; content: string } | undefined {
  if (heredocs.length !== 1 || cmd.trim() !== heredocs[0]!.operator.text) return undefined;
  const body = heredocBody(heredocs[0]!);
  return body.startsWith('#!') ? { name: heredocs[0]!.name, content: body } : undefined;
}

/** Docker names a heredoc RUN by its first line: `RUN <<EOF (echo one...)`. */
function heredocDisplay(cmd: string, heredocs: readonly HeredocSource[]): string {
  const first = heredocBody(heredocs[0]!).split('\n')[0] ?? '';
  return `${cmd} (${first}...)`;
}

/** A `--network` / `--security` value; undefined when absent, null after reporting a bad one. */
function choice<T extends string>(ctx: Ctx, flag: FlagValue | undefined, allowed: readonly T[]): { value: T; range: ReturnType<typeof pieceRange> } | undefined | null {
  if (!flag) return undefined;
  const v = flag.value.toLowerCase() as T;
  if (!allowed.includes(v)) {
    ctx.report.error(pieceRange(ctx, flag.piece), `--${flag.name}=${flag.value}: expected one of ${allowed.join(', ')}`);
    return null;
  }
  return { value: v, range: pieceRange(ctx, flag.piece) };
}
