// The adversarial corpus, run through the built CLI (dist/punch.cjs) as a user runs it. Each case
// states its exact outcome: exit code, stdout, the exact diagnostics, or the exact LLB/labels.
// Sizes and depths are in scale.test.ts.
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { punch } from '../cli/run.js';
import { NO_FROM, URUNC_OK, config, context, contextAttrs, copies, fails, llb, ok, uruncJson, uruncJsonBytes } from './corpus.js';

describe('COPY sources that climb out of the context', () => {
  it.each([
    ['../x', 6],
    ['a/../../x', 6],
    ['./../x', 6],
    ['..', 6],
  ])('COPY %s is refused at its position', (src, col) => {
    // BuildKit would clean the path and silently read x inside the context; the legacy builder
    // refused it. Refusing is what the author needs to hear: the file they meant is not sent.
    const dir = context({ Containerfile: `FROM scratch\nCOPY ${src} /k\n${URUNC_OK}\n` });
    fails(dir, `Containerfile:2:${col}: error: COPY source "${src}" is outside the build context: sources must stay inside it\n`);
  });

  it('COPY ["../x", "/k"] in JSON form is refused at the source string', () => {
    const dir = context({ Containerfile: `FROM scratch\nCOPY ["../x", "/k"]\n${URUNC_OK}\n` });
    fails(dir, 'Containerfile:2:7: error: COPY source "../x" is outside the build context: sources must stay inside it\n');
  });

  it('COPY /etc/passwd reads etc/passwd of the context, never the host file (Docker semantics)', () => {
    const dir = context({ Containerfile: `FROM scratch\nCOPY /etc/passwd /k\n${URUNC_OK}\n` });
    const def = ok(dir);
    expect(copies(def)).toEqual([{ src: '/etc/passwd', dest: '/k' }]);
    expect(contextAttrs(def)['local.includepattern']).toBe('["etc/passwd"]');
    expect(contextAttrs(def)['local.followpaths']).toBe('["etc/passwd"]');
  });

  it('a symlink in the context pointing outside changes nothing in the LLB (resolving it inside the context is up to the builder)', () => {
    const plain = context({ Containerfile: `FROM scratch\nCOPY link /k\n${URUNC_OK}\n` });
    const linked = context({ Containerfile: `FROM scratch\nCOPY link /k\n${URUNC_OK}\n` });
    symlinkSync('/etc/passwd', join(linked, 'link'));
    const unique = ['--unique-id', 'same'];
    expect(Buffer.from(ok(linked, ...unique)).equals(Buffer.from(ok(plain, ...unique)))).toBe(true);
    expect(copies(ok(linked))).toEqual([{ src: '/link', dest: '/k' }]);
  });
});

describe('destination paths with ..', () => {
  it('COPY k /../../k cleans to /k, as Docker does', () => {
    const dir = context({ Containerfile: `FROM scratch\nCOPY k /../../k\n${URUNC_OK}\n` });
    expect(copies(ok(dir))).toEqual([{ src: '/k', dest: '/k' }]);
  });

  it('a relative destination climbing above WORKDIR stops at /', () => {
    const dir = context({ Containerfile: `FROM scratch\nWORKDIR /app\nCOPY k ../../k\n${URUNC_OK}\n` });
    expect(copies(ok(dir))).toEqual([{ src: '/k', dest: '/k' }]);
  });
});

describe('bytes that are not UTF-8 text', () => {
  it('a NUL byte is an error at its position, nothing on stdout', () => {
    const dir = context({ Containerfile: Buffer.from(`FROM scratch\nCOPY k /k\0\n${URUNC_OK}\n`) });
    fails(dir, 'Containerfile:2:10: error: NUL byte in the Containerfile: it must be text (does -f name a binary file?)\n');
  });

  it('invalid UTF-8 (a Latin-1 é) is an error at its position, not a silent U+FFFD', () => {
    const text = Buffer.concat([Buffer.from(`FROM scratch\nCOPY caf`), Buffer.from([0xe9]), Buffer.from(` /k\n${URUNC_OK}\n`)]);
    const dir = context({ Containerfile: text });
    fails(dir, 'Containerfile:2:9: error: invalid UTF-8 (byte 0xe9): a Containerfile must be UTF-8 text; save it as UTF-8\n');
  });

  it('-f naming a binary file reports its first NUL byte', () => {
    const dir = context({ Containerfile: 'FROM scratch\n', kernel: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]) });
    const r = punch(['llb', '-f', 'kernel', '.'], { cwd: dir });
    expect({ code: r.code, stdout: r.stdout.length, stderr: r.stderr }).toEqual({
      code: 1,
      stdout: 0,
      stderr: `kernel:1:8: error: NUL byte in the Containerfile: it must be text (does -f name a binary file?)\n1 error, 0 warnings\n`,
    });
  });
});

describe('line endings and a BOM', () => {
  const lf = `FROM scratch\nCOPY k /k\nLABEL com.urunc.unikernel.binary=/k \\\n  com.urunc.unikernel.unikernelType=unikraft \\\n  com.urunc.unikernel.hypervisor=qemu\nCMD ["-c", "/nginx.conf"]\n`;

  it('CRLF and a UTF-8 BOM give the same Definition bytes and config as LF without a BOM', () => {
    const plain = context({ Containerfile: lf });
    const windows = context({ Containerfile: `\ufeff${lf.replace(/\n/g, '\r\n')}` });
    const unique = ['--unique-id', 'same'];
    expect(Buffer.from(ok(windows, ...unique)).equals(Buffer.from(ok(plain, ...unique)))).toBe(true);
    expect(config(windows)).toEqual(config(plain));
    expect(config(windows).Cmd).toEqual(['-c', '/nginx.conf']);
  });
});

describe('unicode and duplicates', () => {
  it('unicode keys and values reach the config, and /urunc.json holds the UTF-8 bytes in standard base64', () => {
    const dir = context({
      Containerfile: `FROM scratch\nCOPY k /k\nLABEL "ключ ✓"="значение 🚀" com.urunc.unikernel.cmdline="héllo wörld 🚀"\n${URUNC_OK}\n`,
    });
    expect(config(dir).Labels).toEqual({
      'com.urunc.unikernel.binary': '/k',
      'com.urunc.unikernel.cmdline': 'héllo wörld 🚀',
      'com.urunc.unikernel.hypervisor': 'qemu',
      'com.urunc.unikernel.unikernelType': 'unikraft',
      'ключ ✓': 'значение 🚀',
    });
    expect(Buffer.from(uruncJsonBytes(ok(dir))).toString('utf8')).toBe(
      '{"com.urunc.unikernel.binary":"L2s=","com.urunc.unikernel.cmdline":"aMOpbGxvIHfDtnJsZCDwn5qA",' +
        '"com.urunc.unikernel.hypervisor":"cWVtdQ==","com.urunc.unikernel.unikernelType":"dW5pa3JhZnQ="}',
    );
  });

  it('/urunc.json in --format json output decodes to the same values as the pb', () => {
    const dir = context({ Containerfile: `FROM scratch\nCOPY k /k\nLABEL com.urunc.unikernel.cmdline="日本語 ✓"\n${URUNC_OK}\n` });
    const lines = llb(dir, '--format', 'json').stdout.toString().trimEnd().split('\n').map((l) => JSON.parse(l));
    const data = lines.flatMap((l) => l.Op?.Op?.file?.actions ?? []).find((a: { Action: { mkfile?: { path: string } } }) => a.Action.mkfile?.path === '/urunc.json')
      .Action.mkfile.data as string;
    const json = JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as Record<string, string>;
    expect(Buffer.from(json['com.urunc.unikernel.cmdline']!, 'base64').toString('utf8')).toBe('日本語 ✓');
    expect(uruncJson(ok(dir))['com.urunc.unikernel.cmdline']).toBe('日本語 ✓');
  });

  it('a urunc key with a non-ASCII letter is an unknown label with a suggestion', () => {
    const dir = context({
      Containerfile: 'FROM scratch\nCOPY k /k\nLABEL com.urunc.unikernel.bïnary=/k com.urunc.unikernel.unikernelType=unikraft com.urunc.unikernel.hypervisor=qemu\n',
    });
    fails(
      dir,
      'Containerfile:1:1: error: missing label com.urunc.unikernel.binary: add LABEL com.urunc.unikernel.binary=/path/to/kernel [urunc-missing-key]\n' +
        'Containerfile:3:7: warning: unknown label com.urunc.unikernel.bïnary: urunc does not read it; did you mean com.urunc.unikernel.binary? [urunc-unknown-key]\n',
    );
  });

  it('a duplicate key takes the last value, within a LABEL, across LABELs, and from --label last of all', () => {
    const dir = context({ Containerfile: `FROM scratch\nCOPY k /k\nLABEL a=1 a=2 com.urunc.unikernel.hypervisor=hvt\nLABEL a=3\n${URUNC_OK}\n` });
    expect(config(dir).Labels).toEqual({
      a: '3',
      'com.urunc.unikernel.binary': '/k',
      'com.urunc.unikernel.hypervisor': 'qemu',
      'com.urunc.unikernel.unikernelType': 'unikraft',
    });
    expect(config(dir, '--label', 'a=4').Labels?.a).toBe('4');
    expect(uruncJson(ok(dir))['com.urunc.unikernel.hypervisor']).toBe('qemu');
  });
});

describe('files with nothing to build', () => {
  it('an empty file: no FROM at 1:1, exit 1, empty stdout', () => {
    fails(context({ Containerfile: '' }), `Containerfile:1:1: ${NO_FROM}\n`);
  });

  it('a file of only comments and blank lines: the same', () => {
    fails(context({ Containerfile: '# a comment\n\n   # another\n' }), `Containerfile:1:1: ${NO_FROM}\n`);
  });
});

describe('spelling variants Docker accepts', () => {
  const upper = `FROM scratch\nCOPY k /k\n${URUNC_OK}\nCMD ["-c", "/nginx.conf"]\n`;

  it('instructions in lower case give the same Definition bytes', () => {
    const lower = upper.replace(/^(FROM|COPY|LABEL|CMD)/gm, (k) => k.toLowerCase());
    const unique = ['--unique-id', 'same'];
    expect(Buffer.from(ok(context({ Containerfile: lower }), ...unique)).equals(Buffer.from(ok(context({ Containerfile: upper }), ...unique)))).toBe(
      true,
    );
  });

  it('# escape=` makes the backtick continue lines and the backslash literal', () => {
    const dir = context({
      Containerfile: '# escape=`\nFROM scratch\nCOPY k /k\nLABEL path=C:\\data `\n  com.urunc.unikernel.binary=/k com.urunc.unikernel.unikernelType=unikraft com.urunc.unikernel.hypervisor=qemu\n',
    });
    expect(config(dir).Labels).toEqual({
      path: 'C:\\data',
      'com.urunc.unikernel.binary': '/k',
      'com.urunc.unikernel.hypervisor': 'qemu',
      'com.urunc.unikernel.unikernelType': 'unikraft',
    });
  });
});
