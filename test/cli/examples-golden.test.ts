// Every example's `punch llb` bytes, image config and `punch build` digest, pinned. A change here is a
// change of what users get: only an issue that asks for it may update these values.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { punch } from './run.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** sha256 of `punch llb` and of `punch llb --print-config`, per example and platform. */
const LLB: Record<string, Record<string, [string, string]>> = {
  'bunnyfile-linux-firecracker': {
    'linux/amd64': ['1ba109d227dce9ff0952fbf3bcbf9537d1f6a4b07862b03c989e265e05474df2', 'f410775a4485a72d068fdf36fe65f36912e8a5b9ab2d08d34b27cc34a4e4ed1e'],
    'linux/arm64': ['bae22be649ece7b798b22d2731426b506575f73dd23210c8426baec35ddb149c', 'c5463c1e4219c2a2c0cd49687aeb15566b89275967ac43120841b09062b2eec1'],
  },
  'bunnyfile-rumprun-redis': {
    'linux/amd64': ['44906941255057dea7e6c6011a90e28f5ff30c7c4d4ccb5c24c9cad9d261fdea', '040506c6b085a8e79d253904fca028fab82592899326ded55bbe7273d7a093e1'],
    'linux/arm64': ['f6e863eec9c1b2d17da41b05594ee3902035b2133cfdf4e3ac1921393a82c941', '5a5809788e4e526352388c8b7f9670735633c2ab03be9c06e50ba3aaaddc3e1e'],
  },
  'bunnyfile-unikraft-nginx': {
    'linux/amd64': ['ebde433c081867c8bbaf43a8443f02cd055cd1e268a3ccfbb7ed0c76ebfec551', '76949adbf0e57f133a3fd773d5b8645c79dbe40fd55c7d33056251f2465a3ae6'],
    'linux/arm64': ['36f6f5e8955b96ad029d1e32549f06ac9cca0add51381637d7f8982a7ebd481d', 'eb47f9b3710c40d0119b3b72d98dc5467655328232f142425518c2315ee0a4e4'],
  },
  'linux-firecracker-block': {
    'linux/amd64': ['abc1f3c74fd8a6285b23d26e0af5dbec1544a6dc8ff5fe15f71b6d6909a92249', '2ef76f2a19b0b49d47ae3f6e2d42f1d87bb70af755fb5ef51904a383b27c58fc'],
    'linux/arm64': ['8f3faa6a9d263d293e2bce9df2e8b40ebeda39302ec53449b248759636101a52', 'a85a60db11e28dab1f92efd8e58f3b096e78ef68aabbad1984cf3ccb44225a81'],
  },
  'linux-qemu-busybox-rootfs': {
    'linux/amd64': ['094e72eb5476bfb086b6deb9fa3643ceaf5e569fdb76c0eba4227f4e468bf127', '834e1594a2e392ea3e220818fc330ad56ef3ac64ee56c4d12e6d65f22c30cd7b'],
    'linux/arm64': ['62e55d8a9660add48d2ac169f40971c6c6b2d5674066f8ce276350d32ba06af6', 'c89f03a02553a456fb37264bcf2507d9896ea092ff90aad217cd514e055e5136'],
  },
  'rumprun-hvt-build-stage': {
    'linux/amd64': ['ae57d132c663f37d5262e42eed41fbbc3707ba2b7c4dccb32257f4af5a9a6867', '30f9aa6f549a040d908f2207840effb44bf6ba4b80ac6dc2ca058b40606ca895'],
    'linux/arm64': ['c5cac0d5e2eb3d809734b0a88151700fffec67301d1f2280f3d60fe17499f6ac', 'ba3c90f76efe005c4bc9b95bea3423072d9d18842b16feb445fe569fafe12f27'],
  },
  'rumprun-hvt-redis': {
    'linux/amd64': ['d163cc9732f683d589bed049f45383ea6aa81557c1903038c7e93b8c082e2ffc', 'e948cc515f3565d7e20a20ee685a39e84253def9ab9ce2ab52cc5cd6bdecb069'],
    'linux/arm64': ['24c88e75cfccbbea5b764d55d42e47ba0869c5ff704ff6f0bc84fb6318e47a08', 'c5dc306980de388c2ea01cdf597b138356f6f270880d3fe1ad4395e601dcfc6c'],
  },
  'unikraft-catalog-nginx': {
    'linux/amd64': ['e2be8f7de0223a5f9be1ff0b27818577d3e22f002b80e1400a7e3765ad71a518', '1d64411f7f42c59cdffe806b20a35f02dff104fcf9a115dcc93947facafc8336'],
    'linux/arm64': ['bb4a49717445c5ca5fcfd9accb6ca196ebe1b23e455d4aaad8389e7810ec11f8', '4940a13bf6d947c456c9b49a984999edd8ea5be819871a24a079e1cda0f1ba2e'],
  },
  'unikraft-qemu-nginx': {
    'linux/amd64': ['f1ef026abfdb1d98017c8974086b9ad9b18a6479ae14e2bd7d25e3162762112b', '0188f26c1e77b53e2bb177d97345c0134a3374e11a8d67f5943a20ac1166cfd8'],
    'linux/arm64': ['6e7102a2d605b6809b59e117e600484849f6dc5f63b02f461bdcdf5447279eb5', '8723151e6bac5e27ed0176180b3f77b50e53dda4dee674b3748cfe5af68ba00f'],
  },
};

/**
 * `punch build` digests: one platform as an OCI archive, and linux/amd64,linux/arm64 as a layout with
 * SOURCE_DATE_EPOCH=1700000000. (unikraft-catalog-nginx needs its registry: the e2e suite builds it.)
 */
const BUILD: Record<string, [string, string]> = {
  'bunnyfile-linux-firecracker': ['sha256:bf0c4ba4bc62b0c48a7e8cbcebcc6953b4ea51b3a38562e22b4d274eab84bfc3', 'sha256:7f21cc6b64262c879fdd8287f3e2b19712be1fc82836c9ee7994fcb802fbc1ac'],
  'bunnyfile-rumprun-redis': ['sha256:dd0565099ef13cc12317a489d59bfdae9c52ecb28dc41779e3db4ca47215a000', 'sha256:a0679e2aac62b45e7bbbbece72d178412fd2ccb5f488e9d82be259d1590fc63a'],
  'bunnyfile-unikraft-nginx': ['sha256:0d996619d28a82847b286acad268dd68eb7ea681aa221deff7a4d78f9bbaaa9f', 'sha256:bb7b9e80a4534ab7e3d6aafea7d69de5b6fc230b41e3e1e09dcfa5858dfe1e42'],
  'linux-firecracker-block': ['sha256:eb1a43050bb121007a3866d00afd6fea5a403e04ae7f9c3c7fca233a3c0b4599', 'sha256:76e029a09b0d62a0295cb5fff372336d207cc8445023adb31d308a084904c132'],
  'rumprun-hvt-redis': ['sha256:c924c565b8286ff4044f52a684a92b810ce2225429ee5b36c38fc4a5ca34b208', 'sha256:33e134cc9fd1ae5ff7f03f5aa8a724155da1816916a8e3b5c7a6aa0fd8f03529'],
  'unikraft-qemu-nginx': ['sha256:8d024395165fc44e28d0c0724f7f00f6dfe7dae01ac7d3a89c639e12c0244c30', 'sha256:5580422d8ff398d82d48eb6e0f881ba34982650993bde2fa90d4da4237349ad1'],
};

/** An example with a `bunnyfile` is built from it (`-f`), the others from their Containerfile. */
function fileArgs(dir: string): string[] {
  return existsSync(join(dir, 'bunnyfile')) ? ['-f', join(dir, 'bunnyfile')] : [];
}

const out = mkdtempSync(join(tmpdir(), 'punch-golden-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/**
 * The example as a context whose files carry one fixed mtime: without SOURCE_DATE_EPOCH an image keeps
 * its files' times, and a checkout's times are when it was checked out.
 */
function pinnedContext(name: string): string {
  const dir = join(out, `${name}-context`);
  cpSync(join('examples', name), dir, { recursive: true });
  const when = new Date('2024-01-01T00:00:00Z');
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) utimesSync(join(dir, entry), when, when);
  utimesSync(dir, when, when);
  return dir;
}

describe.each(Object.entries(LLB))('examples/%s', (name, platforms) => {
  it.each(Object.entries(platforms))('punch llb --platform %s writes the pinned Definition and config', (platform, [llb, config]) => {
    // local.unique is derived from the context's absolute path: a fixed id keeps the bytes checkout-independent.
    const args = ['llb', ...fileArgs(join('examples', name)), join('examples', name), '--platform', platform, '--unique-id', 'punch-golden'];
    expect(sha256(punch(args).stdout)).toBe(llb);
    expect(sha256(punch([...args, '--print-config']).stdout)).toBe(config);
  });
});

describe.each(Object.entries(BUILD))('punch build examples/%s', (name, [single, multi]) => {
  const env = { SOURCE_DATE_EPOCH: '', PUNCH_CACHE_DIR: join(out, 'cache') };
  it('writes the pinned image for the host platform', () => {
    const context = pinnedContext(name);
    const r = punch(['build', ...fileArgs(context), context, '-t', 'x:1', '--progress', 'quiet', '--platform', 'linux/amd64', '--output', `type=oci,dest=${join(out, `${name}.tar`)}`], { env });
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe(`${single}\n`);
  });

  it('writes the pinned index for two platforms with SOURCE_DATE_EPOCH', () => {
    const args = ['build', ...fileArgs(join('examples', name)), join('examples', name), '-t', 'x:1', '--progress', 'quiet', '--platform', 'linux/amd64,linux/arm64', '--output', `type=oci-layout,dest=${join(out, name)}`];
    const r = punch(args, { env: { ...env, SOURCE_DATE_EPOCH: '1700000000' } });
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe(`${multi}\n`);
  });
});

/** The examples with RUN: punch build refuses them at their first RUN, before reaching any registry, and writes nothing. */
const REFUSED: Record<string, [number, string]> = {
  'linux-qemu-busybox-rootfs': [6, 'RUN mkdir -p /etc/app /sbin'],
  // Docker shows a RUN's quotes as written (its lexer's RawQuotes).
  'rumprun-hvt-build-stage': [9, 'RUN sh build.sh "1.0" hello.c > hello.hvt && chmod 0755 hello.hvt'],
};

describe.each(Object.entries(REFUSED))('punch build examples/%s', (name, [line, run]) => {
  it('refuses the first RUN at its line with the buildctl command, before resolving the base', () => {
    const dir = join('examples', name);
    const dest = join(out, `${name}-refused.tar`);
    const r = punch(['build', dir, '-t', 'x:1', '--progress', 'quiet', '--output', `type=oci,dest=${dest}`], { env: { PUNCH_CACHE_DIR: join(out, 'cache') } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${dir}/Containerfile:${line}:1: error: punch build cannot run ${run}`);
    expect(r.stderr).toContain(`\`punch llb -f ${dir}/Containerfile ${dir} | buildctl build --local context=${dir} --output type=oci,dest=image.tar\``);
    expect(r.stderr).not.toContain('resolve');
    expect(existsSync(dest)).toBe(false);
  });
});
