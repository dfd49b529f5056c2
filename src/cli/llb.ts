// `punch llb`: the Definition on stdout for `buildctl build`, nothing else ever on stdout.
import type { BuildGraph } from '../convert/index.js';
import { definitionToJSONLines, encodeDefinition } from '../llb/index.js';
import { commonOptions, localArgs, parseCommand, platforms } from './options.js';
import { planSession } from '../session/index.js';
import { localSessionInput, remoteSessionInput } from './inputs.js';
import { UsageError } from './usage-error.js';
import { csvField, shellQuote } from './output.js';
import type { CliIO } from './io.js';

export const llbHelp = `Usage: punch llb [-f FILE] [CONTEXT] [options] | buildctl build --local context=CONTEXT --output ...
       punch llb -f FILE URL [options] | buildctl build --output ...   (a git or http(s) context BuildKit fetches)
Writes the BuildKit LLB Definition for the Containerfile to stdout.
  --format pb|json        pb (default): bytes for buildctl; json: one decoded op per line
  --print-config          print the image config JSON instead
  --print-buildctl NAME   print a buildctl command that pushes NAME with config and annotations
  --no-cache              mark every op to be re-run by BuildKit
  --urunc VERSION         the urunc release to check against and write for (default: the newest)
  --tools-image REF       punch's image for initrd steps (default: build arg PUNCH_TOOLS_IMAGE, the
                          #syntax= image, else the published image of this version)
  --build-context NAME=DIR|docker-image://REF|oci-layout://PATH[:TAG]
                          replace the stage or image NAME (a DIR is a buildctl --local NAME=DIR)
  --build-arg K=V  --label K=V  --target STAGE  --platform OS/ARCH  --unique-id ID`;

/** The buildctl command whose --output carries the config and the manifest annotations (BuildKit >= 0.11). */
export function buildctlCommand(graph: BuildGraph, name: string, context: string | undefined, namedDirs: Record<string, string> = {}): string {
  const fields = [
    'type=image',
    `name=${name}`,
    'push=true',
    'oci-mediatypes=true',
    ...Object.entries(graph.annotations).map(([k, v]) => `annotation.${k}=${v}`),
    `containerimage.config=${JSON.stringify(graph.config)}`,
  ];
  const locals = [...(context !== undefined ? [['context', context]] : []), ...Object.entries(namedDirs)].map(([k, dir]) => `--local ${k}=${shellQuote(dir!)} `).join('');
  return `buildctl build ${locals}--output ${shellQuote(fields.map(csvField).join(','))}\n`;
}

export async function runLlb(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    ...commonOptions,
    format: { type: 'string', default: 'pb' },
    'print-config': { type: 'boolean' },
    'print-buildctl': { type: 'string' },
    'no-cache': { type: 'boolean' },
  });
  if (values.help) {
    await io.write(`${llbHelp}\n`);
    return 0;
  }
  if (values.format !== 'pb' && values.format !== 'json') throw new UsageError(`--format ${values.format}: expected pb or json`);
  const plats = platforms(values.platform);
  if (plats.length > 1) throw new UsageError('punch llb emits one platform at a time: run it once per --platform');
  const printsText = values.format === 'json' || values['print-config'] || values['print-buildctl'] !== undefined;
  if (!printsText && io.stdoutIsTTY) {
    throw new UsageError('refusing to write binary LLB to a terminal: pipe it into `buildctl build`, or use --format json');
  }
  const args = localArgs(values, positionals, plats, io.env, io.cwd, io.arch);
  const remote = remoteSessionInput(args);
  const { input, namedDirs } = remote ?? localSessionInput(args);
  const planned = await planSession(values['no-cache'] ? { ...input, noCache: true } : input);
  io.report(planned.diagnostics);
  const graph = planned.graphs[0]!;
  if (values['print-config']) {
    await io.write(`${JSON.stringify(graph.config, null, 2)}\n`);
  } else if (values['print-buildctl'] !== undefined) {
    await io.write(buildctlCommand(graph, values['print-buildctl'], remote ? undefined : args.context, namedDirs));
  } else {
    const bytes = encodeDefinition(graph.definition);
    await io.write(values.format === 'json' ? definitionToJSONLines(bytes) : bytes);
  }
  return 0;
}
