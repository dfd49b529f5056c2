// `punch check`: validate only, and show what urunc will read.
import { selectRelease, URUNC_JSON_PATH, type BuildGraph } from '../convert/index.js';
import { PunchError, countLine, type Diagnostic } from '../diagnostics.js';
import { DEFAULT_RULE, type UruncRelease } from '../urunc/index.js';
import { formatPlatform } from '../platform.js';
import { commonOptions, localArgs, parseCommand, platforms } from './options.js';
import { planSession } from '../session/index.js';
import { localSessionInput } from './inputs.js';
import { UsageError } from './usage-error.js';
import type { CliIO } from './io.js';

export const checkHelp = `Usage: punch check [-f FILE] [CONTEXT] [--json] [--urunc VERSION] [--build-arg K=V] [--label K=V] [--target STAGE] [--platform P]
                   [--build-context NAME=DIR|docker-image://REF|oci-layout://PATH[:TAG]]
Validates the Containerfile against a urunc release (default: the newest known; --urunc or the build
argument PUNCH_URUNC_VERSION picks another) and prints the urunc metadata, command line and files it
will produce. Every problem is listed, in file order, then the error and warning counts.`;

/** The files urunc will look for in the image: binary, initrd, block, and /urunc.json. */
function imageFiles(graph: BuildGraph): string[] {
  return [...graph.artifacts.map((a) => a.path), URUNC_JSON_PATH];
}

/** One diagnostic as `punch check --json` carries it (positions 1-based; end exclusive). */
export function jsonDiagnostic(d: Diagnostic): object {
  return {
    rule: d.rule ?? DEFAULT_RULE,
    severity: d.severity,
    file: d.file,
    line: d.range.start.line,
    column: d.range.start.col,
    endLine: d.range.end.line,
    endColumn: d.range.end.col,
    message: d.message,
    releases: d.releases ?? [],
  };
}

function releaseReport(release: UruncRelease): object {
  return { version: release.version, line: release.line, annotations: release.spec };
}

function summary(ds: readonly Diagnostic[]): { errors: number; warnings: number } {
  const errors = ds.filter((d) => d.severity === 'error').length;
  return { errors, warnings: ds.length - errors };
}

export function checkReport(file: string, graph: BuildGraph): object {
  return {
    file,
    ok: true,
    release: releaseReport(graph.uruncRelease),
    platform: formatPlatform(graph.platform),
    urunc: graph.urunc,
    annotations: graph.annotations,
    entrypoint: graph.config.config.Entrypoint ?? null,
    cmd: graph.config.config.Cmd ?? null,
    labels: graph.config.config.Labels ?? {},
    artifacts: Object.fromEntries(graph.artifacts.map((a) => [a.key, a.path])),
    files: imageFiles(graph),
    diagnostics: graph.diagnostics.map(jsonDiagnostic),
    ...summary(graph.diagnostics),
  };
}

/** The report of a file that fails: what was found, so CI can gate on rule names. */
export function failureReport(file: string, release: UruncRelease | undefined, ds: readonly Diagnostic[]): object {
  return { file, ok: false, ...(release ? { release: releaseReport(release) } : {}), diagnostics: ds.map(jsonDiagnostic), ...summary(ds) };
}

function annotationNote(release: UruncRelease): string {
  return release.spec === 'raw'
    ? 'manifest annotations raw (urunc reads runtime-spec annotations as they are)'
    : 'manifest annotations base64 (urunc base64-decodes runtime-spec annotations)';
}

function text(file: string, graph: BuildGraph): string {
  const width = Math.max(...Object.keys(graph.urunc).map((k) => k.length));
  const release = graph.uruncRelease;
  const lines = [
    `${file}: ok for urunc ${release.version} (${formatPlatform(graph.platform)})`,
    ...Object.entries(graph.urunc).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    `  entrypoint: ${JSON.stringify(graph.config.config.Entrypoint ?? [])}`,
    `  cmd:        ${JSON.stringify(graph.config.config.Cmd ?? [])}`,
    `  files:      ${imageFiles(graph).join(' ')}`,
    ...runNote(graph),
    `  writes:     ${annotationNote(release)}, /urunc.json base64`,
    countLine(graph.diagnostics),
  ];
  return `${lines.join('\n')}\n`;
}

export async function runCheck(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommand(argv, { ...commonOptions, json: { type: 'boolean' } });
  if (values.help) {
    await io.write(`${checkHelp}\n`);
    return 0;
  }
  const plats = platforms(values.platform);
  if (plats.length > 1) throw new UsageError('punch check takes one --platform at a time');
  const { input } = localSessionInput(localArgs(values, positionals, plats, io.env, io.cwd, io.arch));
  let graph: BuildGraph;
  try {
    const planned = await planSession(input);
    io.report(planned.diagnostics);
    graph = planned.graphs[0]!;
  } catch (e) {
    if (!(e instanceof PunchError) || !values.json) throw e;
    // With --json the report goes to stdout even when the file fails: CI reads it.
    let release: UruncRelease | undefined;
    try {
      release = selectRelease(input);
    } catch {
      release = undefined;
    }
    io.report(e.diagnostics);
    io.stderr.write(`${countLine(e.diagnostics)}\n`);
    await io.write(`${JSON.stringify(failureReport(input.file, release, e.diagnostics), null, 2)}\n`);
    return 1;
  }
  await io.write(values.json ? `${JSON.stringify(checkReport(input.file, graph), null, 2)}\n` : text(input.file, graph));
  return 0;
}

/** What only a build can check: a RUN's commands, and the files it makes. */
function runNote(graph: Pick<BuildGraph, 'steps'>): string[] {
  const runs = graph.steps.filter((s) => s.kind === 'run');
  if (runs.length === 0) return [];
  const lines = [...new Set(runs.map((r) => r.range.start.line))].join(', ');
  return [`  build-only: ${runs.length} RUN step(s) (line ${lines}): their commands, and whether they write the files above, are checked when BuildKit builds`];
}
