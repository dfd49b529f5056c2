// Keep the image config's Entrypoint/Cmd and the cmdline label consistent: urunc v0.5.0 boots the
// guest with `cmdline` only, v0.6.0 and v0.7.0 with Entrypoint+Cmd and `cmdline` when those are empty,
// v0.8.0 does not read `cmdline` at all. Giving every release the same command line needs both; when
// they disagree, the warning says which one the selected release uses.
import { ruleDiagnostic, type Diagnostic, type SourceRange } from '../diagnostics.js';
import { fullKey } from './keys.js';
import { DEFAULT_RELEASE, releasesWhere, type UruncRelease } from './releases.js';

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
  /** The selected urunc release (default: the newest known). */
  release?: UruncRelease;
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
  const release = input.release ?? DEFAULT_RELEASE;
  const sel = release.version;
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
    // Only releases that read cmdline see the joined words.
    const readers = releasesWhere((r) => r.cmdline !== 'ignored');
    if (bad.length > 0 && release.cmdline !== 'ignored') {
      const inCmd = cmd?.some((w) => bad.includes(w)) ?? false;
      const range = (inCmd ? input.cmdRange : input.entrypointRange) ?? input.anchor;
      const uses = release.cmdline === 'only' ? `urunc ${sel} boots the guest with ${CMDLINE} alone` : `urunc ${sel} uses ${CMDLINE} when ENTRYPOINT+CMD are empty`;
      diagnostics.push(
        ruleDiagnostic(
          'urunc-cmdline-split',
          'warning',
          input.file,
          range,
          `ENTRYPOINT/CMD argument ${bad.map((w) => JSON.stringify(w)).join(', ')} is empty or holds whitespace: ` +
            `${CMDLINE} joins arguments with spaces, and ${uses}, splitting it differently; set LABEL ${CMDLINE} yourself`,
          readers,
        ),
      );
    }
    return { ...base, cmdline: args.join(' '), diagnostics };
  }

  const labelWords = words(cmdline!);
  const same = labelWords.length === args.length && labelWords.every((w, i) => w === args[i]);
  if (same) return { ...base, diagnostics: [] };
  const range = input.cmdlineRange ?? input.anchor;
  const both = `${CMDLINE} ${JSON.stringify(cmdline)} differs from ENTRYPOINT+CMD ${quoteList(args)}`;
  const finding =
    release.cmdline === 'ignored'
      ? ruleDiagnostic(
          'urunc-cmdline-ignored',
          'warning',
          input.file,
          range,
          `urunc ${sel} does not read ${CMDLINE}: the guest gets ENTRYPOINT+CMD ${quoteList(args)}, not ${JSON.stringify(cmdline)}; ` +
            `put the command line in CMD and drop the label`,
          [sel],
        )
      : ruleDiagnostic(
          'urunc-cmdline-mismatch',
          'warning',
          input.file,
          range,
          release.cmdline === 'only'
            ? `${both}: urunc ${sel} boots the guest with ${CMDLINE} and ignores ENTRYPOINT+CMD; make them agree or drop one`
            : `${both}: urunc ${sel} boots the guest with ENTRYPOINT+CMD and reads ${CMDLINE} only when they are empty; make them agree or drop one`,
          [sel],
        );
  return { ...base, diagnostics: [finding] };
}
