// `punch check`: validate only, and show what urunc will read.
import { buildGraph, URUNC_JSON_PATH } from '../convert/index.js';
import type { BuildGraph } from '../convert/api.js';
import { formatDiagnostic } from '../diagnostics.js';
import { formatPlatform } from '../platform.js';
import { commonOptions, localArgs, parseCommand, platforms } from './options.js';
import { localBuildInput } from './inputs.js';
import { UsageError } from './usage-error.js';
import type { CliIO } from './io.js';

export const checkHelp = `Usage: punch check [-f FILE] [CONTEXT] [--json] [--build-arg K=V] [--label K=V] [--target STAGE] [--platform P]
Validates the Containerfile and prints the urunc metadata, command line and files it will produce.`;

/** The files urunc will look for in the image: binary, initrd, block, and /urunc.json. */
function imageFiles(graph: BuildGraph): string[] {
  return [...graph.artifacts.map((a) => a.path), URUNC_JSON_PATH];
}

export function checkReport(file: string, graph: BuildGraph): object {
  return {
    file,
    platform: formatPlatform(graph.platform),
    urunc: graph.urunc,
    entrypoint: graph.config.config.Entrypoint ?? null,
    cmd: graph.config.config.Cmd ?? null,
    labels: graph.config.config.Labels ?? {},
    artifacts: Object.fromEntries(graph.artifacts.map((a) => [a.key, a.path])),
    files: imageFiles(graph),
    warnings: graph.diagnostics.filter((d) => d.severity === 'warning').map(formatDiagnostic),
  };
}

function text(file: string, graph: BuildGraph): string {
  const width = Math.max(...Object.keys(graph.urunc).map((k) => k.length));
  const lines = [
    `${file}: ok for urunc (${formatPlatform(graph.platform)})`,
    ...Object.entries(graph.urunc).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    `  entrypoint: ${JSON.stringify(graph.config.config.Entrypoint ?? [])}`,
    `  cmd:        ${JSON.stringify(graph.config.config.Cmd ?? [])}`,
    `  files:      ${imageFiles(graph).join(' ')}`,
  ];
  const warnings = graph.diagnostics.filter((d) => d.severity === 'warning').length;
  if (warnings > 0) lines.push(`  ${warnings} warning${warnings === 1 ? '' : 's'} (see above)`);
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
  const { input } = localBuildInput(localArgs(values, positionals, plats[0], io.env, io.cwd, io.arch));
  const graph = await buildGraph(input);
  io.report(graph.diagnostics);
  await io.write(values.json ? `${JSON.stringify(checkReport(input.file, graph), null, 2)}\n` : text(input.file, graph));
  return 0;
}
