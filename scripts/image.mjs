// Builds the punch frontend image from frontend.Dockerfile (`npm run image` bundles first).
//   node scripts/image.mjs [--tag <ref>] [--node-image <ref>] [--push]
// Tag: --tag, else $PUNCH_IMAGE, else punch:dev. --node-image sets the NODE_IMAGE build arg (the
// Dockerfile's default is the public node:20-alpine). The docker client is $PUNCH_DOCKER if set;
// else Debian's /usr/bin/docker when DOCKER_HOST is set (it has BuildKit built in); else `docker`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

let values;
try {
  ({ values } = parseArgs({
    options: {
      tag: { type: 'string' },
      'node-image': { type: 'string' },
      push: { type: 'boolean', default: false },
    },
  }));
} catch (e) {
  fail(`${e.message}\nusage: node scripts/image.mjs [--tag <ref>] [--node-image <ref>] [--push]`);
}

const tag = values.tag ?? process.env.PUNCH_IMAGE ?? 'punch:dev';
if (!existsSync(join(root, 'dist', 'punch.cjs'))) fail('dist/punch.cjs is missing: run `npm run build` first (or use `npm run image`)');

const client = process.env.PUNCH_DOCKER
  ?? (process.env.DOCKER_HOST && existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker');
const env = { ...process.env, DOCKER_BUILDKIT: process.env.DOCKER_BUILDKIT ?? '1' };

const buildArgs = ['build', '-f', 'frontend.Dockerfile', '-t', tag];
if (values['node-image']) buildArgs.push('--build-arg', `NODE_IMAGE=${values['node-image']}`);
buildArgs.push('.');
docker(buildArgs);
if (values.push) docker(['push', tag]);
process.stderr.write(`built ${tag}${values.push ? ' and pushed it' : ''}\n`);

function docker(args) {
  process.stderr.write(`$ ${client} ${args.join(' ')}\n`);
  const r = spawnSync(client, args, { cwd: root, env, stdio: 'inherit' });
  if (r.error) fail(`cannot run ${client}: ${r.error.message} (set PUNCH_DOCKER to a docker client)`);
  if (r.status !== 0) fail(`${client} ${args[0]} failed with exit code ${r.status ?? r.signal}`);
}

function fail(message) {
  process.stderr.write(`image: ${message}\n`);
  process.exit(1);
}
