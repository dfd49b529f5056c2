// Reading a plain progress log (`--progress=plain`, BuildKit v0.8 and buildx alike): whether a step ran.

/**
 * A shell command that prints a line only when it runs. The line is not in the command's text (the
 * log names a step by its command), so finding it in a log means the step ran there. "CACHED" alone
 * cannot tell: a step served by an imported cache whose layer had to be fetched is logged as that
 * fetch (`#6 sha256:… 208B / 208B done`), not as CACHED, depending on what the engine still holds.
 */
export function runMarker(nonce: string): { command: string; printed: string } {
  return { command: `echo "ran-$((6 * 7))-${nonce}"`, printed: `ran-42-${nonce}` };
}
