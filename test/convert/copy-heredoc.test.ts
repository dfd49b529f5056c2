// COPY/ADD here-documents (Dockerfile 1.4+), as BuildKit's dockerfile2llb makes them: each body is a
// file named after its word in a scratch FileOp ("[internal] preparing inline document"), copied to
// the destination with the COPY's --chmod/--chown and no wildcard, symlink or unpack rules.
import { describe, expect, it } from 'vitest';
import type { ResolvedImage } from '../../src/convert/api.js';
import { buildGraph } from '../../src/convert/index.js';
import { PunchError } from '../../src/diagnostics.js';
import { decodeDefinition, encodeDefinition, type DecodedOp } from '../../src/llb/index.js';
import { input } from './input.js';

const LABELS = 'LABEL com.urunc.unikernel.binary=/bin/busybox com.urunc.unikernel.unikernelType=rumprun com.urunc.unikernel.hypervisor=hvt\n';
const resolveImage = async (): Promise<ResolvedImage> => ({
  digest: `sha256:${'0'.repeat(63)}1`,
  config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${'0'.repeat(63)}2`] }, config: {} },
});

async function ops(text: string, buildArgs: Record<string, string> = {}): Promise<DecodedOp[]> {
  const g = await buildGraph(input(`FROM busybox\n${text}${LABELS}`, { resolveImage, buildArgs }));
  return decodeDefinition(encodeDefinition(g.definition)).ops;
}

const name = (o: DecodedOp): string | undefined => o.metadata.description?.['llb.customname'];
/** The inline documents' mkfile actions (in Definition order, which follows digests). */
const documents = (all: DecodedOp[]) => all.filter((o) => name(o) === '[internal] preparing inline document').map((o) => o.op.file!.actions![0]!.mkfile!);
const copyOp = (all: DecodedOp[]) => all.find((o) => o.op.file?.actions?.some((a) => a.copy) && name(o) !== '[punch] write /urunc.json')!;
const text = (data: Uint8Array | null | undefined): string => Buffer.from(data ?? []).toString('utf8');

async function configOf(file: string): Promise<Awaited<ReturnType<typeof buildGraph>>['config']> {
  return (await buildGraph(input(`FROM busybox\n${file}${LABELS}`, { resolveImage }))).config;
}

async function errors(file: string): Promise<string[]> {
  const e = await buildGraph(input(`FROM busybox\n${file}${LABELS}`, { resolveImage })).catch((x: unknown) => x);
  if (!(e instanceof PunchError)) throw new Error('expected the build to be refused');
  return e.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.range.start.line}:${d.range.start.col} ${d.message}`);
}

describe('COPY <<EOF', () => {
  it('writes the body as a 0644 file named after the word in a scratch FileOp, as Docker does', async () => {
    const [doc] = documents(await ops('COPY <<EOF /hello.txt\nhello\nEOF\n'));
    expect(doc).toMatchObject({ path: '/EOF', mode: 0o644 });
    expect(text(doc!.data)).toBe('hello\n');
  });

  it('copies the document to the destination with only createDestPath set (fixture part 2, case d)', async () => {
    const copy = copyOp(await ops('COPY <<EOF /hello.txt\nhello\nEOF\n')).op.file!.actions![0]!.copy!;
    expect(copy).toMatchObject({ src: '/EOF', dest: '/hello.txt', mode: -1, createDestPath: true, followSymlink: false, dirCopyContents: false, allowWildcard: false, attemptUnpackDockerCompatibility: false });
  });

  it('copies several documents into a directory destination in one FileOp, each under its own name', async () => {
    const all = await ops('COPY <<EOF <<EOT /etc/app/\none\nEOF\ntwo\nEOT\n');
    expect(documents(all).map((d) => [d.path, text(d.data)]).sort()).toEqual([['/EOF', 'one\n'], ['/EOT', 'two\n']]);
    expect(copyOp(all).op.file!.actions!.map((a) => [a.copy!.src, a.copy!.dest])).toEqual([['/EOF', '/etc/app/'], ['/EOT', '/etc/app/']]);
  });

  it('copies context sources first and the documents after them, as BuildKit orders them', async () => {
    const all = await ops('COPY <<EOF kernel /dir/\nx\nEOF\n');
    expect(copyOp(all).op.file!.actions!.map((a) => a.copy!.src)).toEqual(['/kernel', '/EOF']);
  });

  it('strips leading tabs from the body of <<-', async () => {
    const [doc] = documents(await ops('COPY <<-EOF /a\n\tone\n\t\ttwo\n\tEOF\n'));
    expect(text(doc!.data)).toBe('one\ntwo\n');
  });

  it('expands ARG and ENV values in the body of an unquoted word, quotes kept as written', async () => {
    const [doc] = documents(await ops('ARG V=1\nENV E=x\nCOPY <<EOF /a\nv="$V" e=\'${E}\' \\$V\nEOF\n', { V: '2' }));
    expect(text(doc!.data)).toBe('v="2" e=\'x\' $V\n');
  });

  it('leaves the body of a double-quoted word as written', async () => {
    const [doc] = documents(await ops('ARG V=1\nCOPY <<"EOF" /a\n$V \\$V\nEOF\n'));
    expect(text(doc!.data)).toBe('$V \\$V\n');
  });

  it('leaves the body of a single-quoted word as written, and names the file without the quotes', async () => {
    const [doc] = documents(await ops("ARG V=1\nCOPY <<'EOF' /dir/\n$V\nEOF\n"));
    expect(doc).toMatchObject({ path: '/EOF' });
    expect(text(doc!.data)).toBe('$V\n');
  });

  it('applies --chmod and --chown to the copied document', async () => {
    const copy = copyOp(await ops('COPY --chmod=0755 --chown=1000:1000 <<EOF /run.sh\necho hi\nEOF\n')).op.file!.actions![0]!.copy!;
    expect(copy.mode).toBe(0o755);
    expect(copy.owner).toMatchObject({ user: { byID: 1000 }, group: { byID: 1000 } });
  });

  it('resolves a relative destination against WORKDIR', async () => {
    const copy = copyOp(await ops('WORKDIR /srv\nCOPY <<EOF conf/app.conf\nk=v\nEOF\n')).op.file!.actions![0]!.copy!;
    expect(copy.dest).toBe('/srv/conf/app.conf');
  });

  it('names the step as written and records BuildKit\'s history (`<<NAME` after the sources)', async () => {
    const all = await ops('COPY <<-"EOF" kernel /dir/\nx\nEOF\n');
    expect(name(copyOp(all))).toMatch(/COPY <<-"EOF" kernel \/dir\/$/);
    const cfg = await configOf('COPY <<-"EOF" kernel /dir/\nx\nEOF\n');
    expect(cfg.history?.map((h) => h.created_by)).toContain('COPY kernel <<EOF /dir/ # buildkit');
  });

  it('works for ADD too, without unpacking the document', async () => {
    const copy = copyOp(await ops('ADD <<EOF /a.tar\nnot a tar\nEOF\n')).op.file!.actions![0]!.copy!;
    expect(copy).toMatchObject({ src: '/EOF', dest: '/a.tar', attemptUnpackDockerCompatibility: false });
  });

  it('counts a document written into the final scratch stage as the urunc binary it names', async () => {
    const file = 'FROM scratch\nCOPY <<EOF /unikernel/kernel\nkernel bytes\nEOF\nLABEL com.urunc.unikernel.binary=/unikernel/kernel com.urunc.unikernel.unikernelType=rumprun com.urunc.unikernel.hypervisor=hvt\n';
    const g = await buildGraph(input(file));
    expect(g.artifacts.map((a) => a.path)).toContain('/unikernel/kernel');
    expect(g.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});

describe('COPY <<EOF errors', () => {
  it('refuses a heredoc as the destination, at the word', async () => {
    expect(await errors('COPY a <<EOF\nx\nEOF\n')).toEqual(['2:8 COPY cannot accept a heredoc as a destination: end the line with the destination path']);
  });

  it('refuses several documents onto one file destination', async () => {
    expect((await errors('COPY <<A <<B /f\na\nA\nb\nB\n')).join('\n')).toMatch(/^2:14 When using COPY with more than one source file, the destination must be a directory and end with a \//);
  });

  it('refuses an unterminated heredoc, at its word', async () => {
    expect(await errors('COPY <<EOF /a\nx\n')).toEqual(['2:6 unterminated heredoc <<EOF: end it with a line holding only EOF']);
  });
});
