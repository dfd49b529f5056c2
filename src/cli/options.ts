// Command-line options shared by `punch llb`, `punch check` and `punch build`.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { hostPlatform, isPlatformError, parsePlatform, type Platform } from '../platform.js';
import { findRelease, unknownReleaseMessage } from '../urunc/index.js';
import type { LocalBuildArgs } from './inputs.js';
import { UsageError } from './usage-error.js';

export const commonOptions = {
  file: { type: 'string', short: 'f' },
  'build-arg': { type: 'string', multiple: true },
  'build-context': { type: 'string', multiple: true },
  label: { type: 'string', multiple: true },
  platform: { type: 'string', multiple: true },
  target: { type: 'string' },
  'unique-id': { type: 'string' },
  urunc: { type: 'string' },
  'tools-image': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** `K=V` pairs; `--build-arg K` alone takes K from the environment, as docker does. */
export function keyValues(list: readonly string[] | undefined, flag: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const eq = item.indexOf('=');
    if (eq === 0) throw new UsageError(`--${flag} ${item}: the key is empty; write --${flag} KEY=VALUE`);
    if (eq < 0) {
      if (flag !== 'build-arg') throw new UsageError(`--${flag} ${item}: expected KEY=VALUE`);
      const v = env[item];
      if (v !== undefined) out[item] = v;
      continue;
    }
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** `--platform a,b --platform c` → platforms, in order, without duplicates. */
export function platforms(list: readonly string[] | undefined): Platform[] {
  const out: Platform[] = [];
  for (const text of (list ?? []).flatMap((l) => l.split(','))) {
    if (text.trim() === '') continue;
    const p = parsePlatform(text);
    if (isPlatformError(p)) throw new UsageError(`--platform: ${p.error}`);
    out.push(p);
  }
  return out;
}

export function parseCommand<O extends ParseArgsConfig['options']>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

type CommonValues = {
  file?: string;
  'build-arg'?: string[];
  'build-context'?: string[];
  label?: string[];
  target?: string;
  'unique-id'?: string;
  urunc?: string;
  'tools-image'?: string;
};

/** `--urunc VERSION`, checked here so a typo is a usage error before anything is read. */
function uruncVersion(text: string | undefined): { uruncVersion?: string } {
  if (text === undefined) return {};
  if (!findRelease(text)) throw new UsageError(unknownReleaseMessage(text, '--urunc'));
  return { uruncVersion: text };
}

export function localArgs(values: CommonValues, positionals: string[], platforms: Platform[], env: NodeJS.ProcessEnv, cwd: string, arch: string): LocalBuildArgs {
  if (positionals.length > 1) throw new UsageError(`expected one build context, got: ${positionals.join(' ')}`);
  return {
    ...(values.file !== undefined ? { file: values.file } : {}),
    context: positionals[0] ?? '.',
    buildArgs: withEpoch(keyValues(values['build-arg'], 'build-arg', env), env),
    buildContexts: values['build-context'] ?? [],
    labels: keyValues(values.label, 'label', env),
    ...(values.target !== undefined ? { target: values.target } : {}),
    platforms,
    defaultPlatform: hostPlatform(arch),
    ...(values['unique-id'] !== undefined ? { unique: values['unique-id'] } : {}),
    ...uruncVersion(values.urunc),
    ...(values['tools-image'] !== undefined ? { toolsImage: values['tools-image'] } : {}),
    cwd,
  };
}

/** SOURCE_DATE_EPOCH from the environment becomes the build argument, as buildx passes it (a --build-arg wins). */
function withEpoch(args: Record<string, string>, env: NodeJS.ProcessEnv): Record<string, string> {
  const v = env.SOURCE_DATE_EPOCH;
  return v === undefined || v === '' || 'SOURCE_DATE_EPOCH' in args ? args : { ...args, SOURCE_DATE_EPOCH: v };
}

/** SOURCE_DATE_EPOCH (whole seconds), or undefined when unset or empty. */
export function sourceDateEpoch(env: NodeJS.ProcessEnv): number | undefined {
  const v = env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === '') return undefined;
  if (!/^[0-9]+$/.test(v)) throw new UsageError(`SOURCE_DATE_EPOCH=${v}: expected whole seconds since 1970`);
  return Number(v);
}
