// punch's command dispatch. stdout is reserved for output the user asked for (LLB bytes, or gRPC
// frames in frontend mode); diagnostics go to stderr.
import { PunchError, countLine } from '../diagnostics.js';
import { UsageError } from './usage-error.js';
import type { CliIO } from './io.js';
import { isBrokenPipe } from './output.js';
import { VERSION as version } from '../version.js';

export const help = `punch ${version}: urunc unikernel images from an annotated Containerfile

Usage: punch <command> [options]
  build [-f FILE] [CONTEXT] -t NAME[:TAG] [--output type=oci|oci-layout|docker|registry,dest=...]
                      build the image in-process (no daemon) and write it as OCI
  llb   [-f FILE] [CONTEXT] | buildctl build --local context=CONTEXT --output ...
                      print the LLB Definition (--format json to read it)
  check [-f FILE] [CONTEXT] [--json]
                      validate and show the urunc metadata it will produce
  initrd DIR -o FILE  write DIR as a reproducible initramfs (cpio newc)
  cache du|prune      show or shrink punch build's layer cache (prune [--all | --keep-storage SIZE])
  frontend            run as a BuildKit gateway frontend (the image's entrypoint)

Common options: --build-arg K=V, --label K=V, --target STAGE, --platform OS/ARCH
As a frontend: start the Containerfile with  #syntax=<registry>/punch:<tag>
Run 'punch <command> --help' for a command's options. Docs: README.md`;

type Command = (argv: string[], io: CliIO) => Promise<number>;

async function lazy(name: string): Promise<Command | undefined> {
  switch (name) {
    case 'llb':
      return (await import('./llb.js')).runLlb;
    case 'check':
      return (await import('./check.js')).runCheck;
    case 'build':
      return (await import('./build.js')).runBuild;
    case 'frontend':
      return (await import('./frontend.js')).runFrontendCommand;
    case 'initrd':
      return (await import('./initrd.js')).runInitrd;
    case 'cache':
      return (await import('./cache.js')).runCache;
    default:
      return undefined;
  }
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      await io.write(`${help}\n`);
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === '--version' || cmd === '-v' || cmd === 'version') {
      await io.write(`punch ${version}\n`);
      return 0;
    }
    const run = await lazy(cmd);
    if (!run) throw new UsageError(`unknown command "${cmd}": expected build, llb, check, initrd, cache or frontend (see punch --help)`);
    return await run(rest, io);
  } catch (e) {
    if (e instanceof PunchError) {
      io.report(e.diagnostics);
      // The last line counts what was found: every problem is listed above, in file order.
      io.stderr.write(`${countLine(e.diagnostics)}\n`);
      return 1;
    }
    if (e instanceof UsageError) {
      io.stderr.write(`punch: ${e.message}\n`);
      return 2;
    }
    if (isBrokenPipe(e)) {
      io.stderr.write('punch: output closed before everything was written\n');
      return 1;
    }
    io.stderr.write(`punch: ${(e as Error)?.message ?? String(e)}\n`);
    if (io.env.PUNCH_DEBUG) io.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
    return 1;
  }
}
