import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { archiveMembers, CpioError, newcArchive, type CpioEntry } from '../../src/cpio/index.js';
import { readNewc } from './read.js';

async function archive(entries: CpioEntry[], epoch = 0): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of newcArchive(entries, epoch)) chunks.push(c);
  return Buffer.concat(chunks);
}

const bytes = (text: string) => () => (async function* () { yield Buffer.from(text); })();
const file = (path: string, text: string, extra: Partial<CpioEntry> = {}): CpioEntry => ({ path, kind: 'file', mode: 0o644, size: Buffer.byteLength(text), content: bytes(text), ...extra });

describe('cpio newc archive', () => {
  it('is byte for byte the known archive for a directory and a file', async () => {
    // Spelled out field by field: magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor,
    // devminor, rdevmajor, rdevminor, namesize, check; then the name, NUL, padding to 4, data, padding.
    const known = Buffer.concat([
      Buffer.from('070701' + '00000001' + '000041ed' + '00000000' + '00000000' + '00000002' + '00000000' + '00000000' + '00000000' + '00000000' + '00000000' + '00000000' + '00000004' + '00000000' + 'etc\0' + '\0\0', 'latin1'),
      Buffer.from('070701' + '00000002' + '000081a4' + '00000000' + '00000000' + '00000001' + '00000000' + '00000006' + '00000000' + '00000000' + '00000000' + '00000000' + '0000000d' + '00000000' + 'etc/hostname\0' + '\0', 'latin1'),
      Buffer.from('punch\n\0\0', 'latin1'),
      Buffer.from('070701' + '00000000' + '00000000' + '00000000' + '00000000' + '00000001' + '00000000' + '00000000' + '00000000' + '00000000' + '00000000' + '00000000' + '0000000b' + '00000000' + 'TRAILER!!!\0' + '\0\0\0', 'latin1'),
    ]);
    expect(await archive([file('etc/hostname', 'punch\n', { mtime: 1_700_000_000, uid: 0 })])).toEqual(known);
  });

  it('follows the kernel initramfs rules (magic, hex fields, NUL-terminated names, 4-byte alignment, trailer)', async () => {
    const members = readNewc(await archive([file('a', 'x'), file('bb/c', '12345'), { path: 'l', kind: 'symlink', mode: 0o777, target: 'bb/c' }]));
    expect(members.map((m) => m.name)).toEqual(['a', 'bb', 'bb/c', 'l']);
  });

  it('sorts members by the bytes of their names, whatever order they come in', async () => {
    const names = readNewc(await archive([file('z', ''), file('a b', ''), file('a/x', ''), file('é', ''), file('A', '')])).map((m) => m.name);
    expect(names).toEqual(['A', 'a', 'a b', 'a/x', 'z', 'é']);
  });

  it('creates missing parent directories 0755, owned by root, before what they hold', async () => {
    const [a, ab, abc] = readNewc(await archive([file('a/b/c', 'x', { uid: 5, gid: 6 })]));
    expect([a!.name, a!.mode, a!.uid, ab!.name, ab!.mode, abc!.name, abc!.uid, abc!.gid]).toEqual(['a', 0o40755, 0, 'a/b', 0o40755, 'a/b/c', 5, 6]);
  });

  it('keeps modes, including setuid, setgid and sticky bits', async () => {
    const [m] = readNewc(await archive([file('s', '', { mode: 0o7751 })]));
    expect(m!.mode).toBe(0o107751);
  });

  it('owns members by 0:0 unless the entry says otherwise', async () => {
    const [m] = readNewc(await archive([file('f', '')]));
    expect([m!.uid, m!.gid]).toEqual([0, 0]);
  });

  it('clamps mtimes to the epoch (0 when unset) and keeps older ones', async () => {
    const entries = () => [file('new', '', { mtime: 2_000_000_000 }), file('old', '', { mtime: 1000 })];
    expect(readNewc(await archive(entries())).map((m) => m.mtime)).toEqual([0, 0]);
    expect(readNewc(await archive(entries(), 1_700_000_000)).map((m) => m.mtime)).toEqual([1_700_000_000, 1000]);
  });

  it('numbers inodes in archive order and writes no device of the build machine', async () => {
    const ms = readNewc(await archive([file('b', ''), file('a', ''), { path: 'tty', kind: 'char', mode: 0o620, rdevMajor: 5, rdevMinor: 0 }]));
    expect(ms.map((m) => [m.name, m.ino, m.devMajor, m.devMinor, m.rdevMajor])).toEqual([['a', 1, 0, 0, 0], ['b', 2, 0, 0, 0], ['tty', 3, 0, 0, 5]]);
  });

  it('stores a symlink as a link whose data is the target', async () => {
    const [m] = readNewc(await archive([{ path: 'sh', kind: 'symlink', mode: 0o777, target: 'busybox' }]));
    expect([m!.mode, m!.data.toString()]).toEqual([0o120777, 'busybox']);
  });

  it('drops leading / and ./ and leaves the root out', async () => {
    expect(archiveMembers([file('/x', ''), file('./y/z', ''), { path: '.', kind: 'dir', mode: 0o700 }]).map((m) => m.path)).toEqual(['x', 'y', 'y/z']);
  });

  it('streams a file in chunks and pads it to 4 bytes', async () => {
    const chunk = Buffer.alloc(1 << 16, 7);
    const big: CpioEntry = { path: 'big', kind: 'file', mode: 0o644, size: 3 * chunk.length + 1, content: () => (async function* () { yield chunk; yield chunk; yield chunk; yield Buffer.from([9]); })() };
    const [m] = readNewc(await archive([big]));
    expect([m!.data.length, m!.data.at(-1)]).toEqual([3 * chunk.length + 1, 9]);
  });

  it('fails when a file yields other than its stated size', async () => {
    await expect(archive([file('f', 'abc', { size: 5 })])).rejects.toThrow('f: 3 bytes read, 5 expected');
    await expect(archive([file('g', 'abcdef', { size: 2 })])).rejects.toThrow('g: grew past its 2 bytes');
  });

  it('rejects ".." in a path, a path listed twice, and a file under a non-directory', () => {
    expect(() => archiveMembers([file('a/../../etc', '')])).toThrow(CpioError);
    expect(() => archiveMembers([file('a', ''), file('./a', '')])).toThrow('a: listed twice');
    expect(() => archiveMembers([file('a', ''), file('a/b', '')])).toThrow('a/b: its parent a is a file, not a directory');
  });

  it('rejects a name over the kernel PATH_MAX and a file over 4 GiB', async () => {
    await expect(archive([file('n'.repeat(4096), '')])).rejects.toThrow("the kernel's limit is 4096");
    await expect(archive([{ path: 'huge', kind: 'file', mode: 0o644, size: 2 ** 32, content: bytes('') }])).rejects.toThrow("huge: size 4294967296 does not fit cpio newc's 32-bit field");
  });

  it('gives the same bytes for the same entries in any order (property)', async () => {
    const name = fc.stringMatching(/^[a-c]{1,2}(\/[a-c]{1,2}){0,2}$/);
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(name, { maxLength: 8 }), async (paths) => {
        // Keep leaves only: a listed path that is also another's parent would be a file under a file.
        const leaves = paths.filter((p) => !paths.some((q) => q.startsWith(`${p}/`)));
        const entries = leaves.map((p) => file(p, p));
        const a = await archive(entries);
        expect(await archive([...entries].reverse())).toEqual(a);
        expect(readNewc(a).filter((m) => (m.mode & 0o170000) === 0o100000).map((m) => m.data.toString()).sort()).toEqual([...leaves].sort());
      }),
    );
  });
});
