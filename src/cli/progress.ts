// What `punch build` tells the user while it works: steps, bytes and time. On a terminal the current
// step is one live line that each finished step replaces; elsewhere, plain timed lines for logs.

export type ProgressMode = 'auto' | 'plain' | 'tty' | 'quiet';

export interface Progress {
  /** A step starts (the previous one is then finished). */
  step(text: string): void;
  /** A layer was written for `description`, `bytes` compressed; `cached` when the layer cache had it. */
  layer(description: string | undefined, bytes: number, cached?: boolean): void;
  /** The last line: what was made, and the whole time. */
  done(text: string): void;
}

export function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** `now` is injected so the rendering is testable; `write` goes to stderr. */
export function createProgress(mode: ProgressMode, isTTY: boolean, write: (s: string) => void, now: () => number): Progress {
  const start = now();
  if (mode === 'quiet') return { step: () => undefined, layer: () => undefined, done: () => undefined };
  if (mode === 'plain' || (mode === 'auto' && !isTTY)) {
    const line = (text: string): void => write(`#punch ${seconds(now() - start).padStart(5)} ${text}\n`);
    return {
      step: line,
      layer: (d, bytes, cached) => line(`layer ${humanBytes(bytes)}${d ? ` (${d})` : ''}${cached ? ' CACHED' : ''}`),
      done: line,
    };
  }
  // Terminal: finished steps scroll up with their duration; the running one stays on the last line.
  let current: { text: string; at: number } | undefined;
  const finish = (): void => {
    if (!current) return;
    write(`\r\x1b[2K => ${current.text.padEnd(50)} ${seconds(now() - current.at).padStart(5)}\n`);
    current = undefined;
  };
  return {
    step(text) {
      finish();
      current = { text, at: now() };
      write(`\r\x1b[2K => ${text} ...`);
    },
    layer(d, bytes, cached) {
      finish();
      write(` => ${cached ? 'CACHED ' : ''}layer ${humanBytes(bytes).padStart(10)}  ${d ?? ''}\n`);
    },
    done(text) {
      finish();
      write(` => ${text} in ${seconds(now() - start)}\n`);
    },
  };
}
