// Keep the image config's Entrypoint/Cmd and the cmdline label consistent: urunc since
// April 2025 boots the guest with Entrypoint+Cmd and reads `cmdline` only when those are empty; the
// 2026 line does not read `cmdline` at all. Giving both lines the same command line needs both.
import { diagnostic, type Diagnostic, type SourceRange } from '../diagnostics.js';
import { fullKey } from './keys.js';

export interface CommandLineInput {
  entrypoint?: string[];
  cmd?: string[];
  /** The final com.urunc.unikernel.cmdline value, if any. */
  cmdline?: string;
  file: string;
  entrypointRange?: SourceRange;
  cmdRange?: SourceRange;
  cmdlineRange?: SourceRange;
  /** Where to point when nothing else is known (e.g. the final FROM line). */
  anchor: SourceRange;
}

export interface CommandLine {
  entrypoint?: string[];
  cmd?: string[];
  cmdline?: string;
  diagnostics: Diagnostic[];
}

const CMDLINE = fullKey('cmdline');

function words(cmdline: string): string[] {
  return cmdline.split(/\s+/).filter((w) => w !== '');
}

function quoteList(ws: readonly string[]): string {
  return `[${ws.map((w) => JSON.stringify(w)).join(', ')}]`;
}

export function reconcileCommandLine(input: CommandLineInput): CommandLine {
  const { entrypoint, cmd, cmdline } = input;
  const args = [...(entrypoint ?? []), ...(cmd ?? [])];
  const base = {
    ...(entrypoint !== undefined ? { entrypoint } : {}),
    ...(cmd !== undefined ? { cmd } : {}),
    ...(cmdline !== undefined ? { cmdline } : {}),
  };
  const hasArgs = args.length > 0;
  const hasCmdline = cmdline !== undefined && words(cmdline).length > 0;

  if (!hasArgs && hasCmdline) return { ...base, cmd: words(cmdline), diagnostics: [] };
  if (!hasArgs) return { ...base, diagnostics: [] };

  if (!hasCmdline) {
    const diagnostics: Diagnostic[] = [];
    const bad = args.filter((w) => w === '' || /\s/.test(w));
    if (bad.length > 0) {
      const inCmd = cmd?.some((w) => bad.includes(w)) ?? false;
      const range = (inCmd ? input.cmdRange : input.entrypointRange) ?? input.anchor;
      diagnostics.push(
        diagnostic(
          'warning',
          input.file,
          range,
          `ENTRYPOINT/CMD argument ${bad.map((w) => JSON.stringify(w)).join(', ')} is empty or holds whitespace: ` +
            `${CMDLINE} joins arguments with spaces, so urunc before 2026 would split it differently; set LABEL ${CMDLINE} yourself`,
        ),
      );
    }
    return { ...base, cmdline: args.join(' '), diagnostics };
  }

  const labelWords = words(cmdline!);
  const same = labelWords.length === args.length && labelWords.every((w, i) => w === args[i]);
  if (same) return { ...base, diagnostics: [] };
  return {
    ...base,
    diagnostics: [
      diagnostic(
        'warning',
        input.file,
        input.cmdlineRange ?? input.anchor,
        `${CMDLINE} ${JSON.stringify(cmdline)} differs from ENTRYPOINT+CMD ${quoteList(args)}: urunc boots the guest with ` +
          `ENTRYPOINT+CMD and reads ${CMDLINE} only when they are empty; make them agree or drop one`,
      ),
    ],
  };
}
