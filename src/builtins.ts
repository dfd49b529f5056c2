// Node built-ins loaded on first use. A short run (`punch llb`, a small `punch build`) pays for every
// module it loads: node:crypto, node:tty and the stream machinery each cost milliseconds of a ~80 ms
// run, so code paths that only large or rare inputs take load them here, when they are taken.
// (Not `import()`: the bundle runs as a vm.Script, where dynamic import of a built-in is unavailable.)
import { createRequire } from 'node:module';

const load = createRequire(process.execPath);

export const nodeCrypto = (): typeof import('node:crypto') => load('node:crypto') as typeof import('node:crypto');
export const nodeTty = (): typeof import('node:tty') => load('node:tty') as typeof import('node:tty');
export const nodeStream = (): typeof import('node:stream') => load('node:stream') as typeof import('node:stream');
export const nodeStreamPromises = (): typeof import('node:stream/promises') => load('node:stream/promises') as typeof import('node:stream/promises');
export const nodeFsPromises = (): typeof import('node:fs/promises') => load('node:fs/promises') as typeof import('node:fs/promises');
