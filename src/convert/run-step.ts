// RunStep → ExecOp on the stage's state: Docker's environment, working directory (made by its
// WORKDIR step), user, mounts, network and security modes, proxy build args kept out of the cache key.
import { mkdir, mkfile, scratch, type MountSpec, type ProxyEnv, type RunOptions, type SecretSpec, type SourceLocation, type SSHSpec, type State } from '../llb/index.js';
import type { SourceRange } from '../diagnostics.js';
import type { ImageConfig } from '../oci/types.js';
import type { CopyFrom, RunStep } from '../plan/types.js';
import type { RunEngineOptions } from './api.js';

/** How a step's mount sources become states (the context, earlier stages, images). */
export type SourceState = (from: CopyFrom) => State;

/** Proxy build args (either case) go to the command through ProxyEnv, so they never change the cache key. */
export function proxyEnvOf(buildArgs: Readonly<Record<string, string>>): ProxyEnv | undefined {
  const keys: [keyof ProxyEnv, string][] = [
    ['httpProxy', 'http_proxy'],
    ['httpsProxy', 'https_proxy'],
    ['ftpProxy', 'ftp_proxy'],
    ['noProxy', 'no_proxy'],
    ['allProxy', 'all_proxy'],
  ];
  const out: ProxyEnv = {};
  let any = false;
  for (const [field, name] of keys) {
    const v = buildArgs[name.toUpperCase()] ?? buildArgs[name];
    if (v !== undefined) {
      out[field] = v;
      any = true;
    }
  }
  return any ? out : undefined;
}

function mountSpecs(step: RunStep, source: SourceState): { mounts: MountSpec[]; secrets: SecretSpec[]; ssh: SSHSpec[] } {
  const mounts: MountSpec[] = [];
  const secrets: SecretSpec[] = [];
  const ssh: SSHSpec[] = [];
  for (const m of step.mounts) {
    const selector = (src: string): { selector?: string } => (src !== '/' ? { selector: src } : {});
    switch (m.type) {
      case 'bind':
        // A read-write bind lets the command change the files, but the changes are thrown away.
        mounts.push({ target: m.target, source: source(m.from).output, ...selector(m.source), ...(m.readonly ? { readonly: true } : { noOutput: true }) });
        break;
      case 'cache': {
        let base = m.from ? source(m.from) : undefined;
        let sel = m.source;
        if (!m.from && (m.mode !== undefined || m.uid !== undefined || m.gid !== undefined)) {
          // A fresh cache directory with the asked owner and mode, as Docker makes it.
          base = scratch().file(
            mkdir('/cache', m.mode ?? 0o755, { chown: { user: { id: m.uid ?? 0 }, group: { id: m.gid ?? 0 } } }),
            { customName: '[internal] settings cache mount permissions' },
          );
          sel = '/cache';
        }
        mounts.push({ target: m.target, source: base?.output, ...selector(sel), cache: { id: m.id, sharing: m.sharing }, ...(m.readonly ? { readonly: true } : {}) });
        break;
      }
      case 'tmpfs':
        mounts.push({ target: m.target, tmpfs: { size: m.size } });
        break;
      case 'secret':
        secrets.push({ id: m.id, target: m.target, uid: m.uid, gid: m.gid, mode: m.mode, optional: !m.required });
        break;
      case 'ssh':
        ssh.push({ id: m.id, ...(m.target ? { target: m.target } : {}), uid: m.uid, gid: m.gid, mode: m.mode, optional: !m.required });
        break;
    }
  }
  return { mounts, secrets, ssh };
}

export interface RunContext {
  /** The image config the stage started from (its base's, or the parent stage's). */
  baseConfig: ImageConfig;
  source: SourceState;
  proxyEnv: ProxyEnv | undefined;
  /** The progress name of the stage's next op (Docker's `[stage n/m] …`, numbered in order). */
  name: (description: string) => string;
  ignoreCache: boolean;
  /** The engine's settings for every RUN (frontend opts). */
  engine: RunEngineOptions | undefined;
  /** The source location of a step (Definition.Source), so the engine's error names its line. */
  locate: (range: SourceRange) => SourceLocation[];
}

/** The stage's state after the RUN. */
export function runStep(state: State, step: RunStep, rc: RunContext): State {
  const cwd = step.workdir ?? (rc.baseConfig.config?.WorkingDir || '/');
  const nocache = rc.ignoreCache ? { ignoreCache: true } : {};
  const locations = rc.locate(step.range);
  const user = step.user ?? rc.baseConfig.config?.User;
  const e = rc.engine ?? {};
  const specs = mountSpecs(step, rc.source);
  if (step.script) {
    const file = scratch().file(mkfile(step.script.name, 0o755, step.script.content), { customName: '[internal] preparing inline document' });
    specs.mounts.push({ target: '/dev/pipes/', source: file.output, readonly: true });
  }
  // Docker gives /dev/shm the engine's shm-size as a tmpfs, unless the RUN mounts something there.
  if (e.shmSize && !specs.mounts.some((m) => m.target === '/dev/shm')) specs.mounts.push({ target: '/dev/shm', tmpfs: { size: e.shmSize } });
  const network = step.network && step.network.value !== 'default' ? step.network.value : e.network;
  const opts: RunOptions = {
    args: step.args,
    env: step.env.map(([k, v]) => `${k}=${v}`),
    cwd,
    ...(user ? { user } : {}),
    ...specs,
    ...(network ? { network } : {}),
    ...(e.extraHosts?.length ? { extraHosts: e.extraHosts } : {}),
    ...(e.hostname ? { hostname: e.hostname } : {}),
    ...(e.ulimits?.length ? { ulimits: e.ulimits } : {}),
    ...(e.cgroupParent ? { cgroupParent: e.cgroupParent } : {}),
    ...(step.security?.value === 'insecure' ? { security: 'insecure' as const } : {}),
    ...(rc.proxyEnv ? { proxyEnv: rc.proxyEnv } : {}),
    customName: rc.name(step.description),
    // Docker's frontend labels each RUN op with its Dockerfile line (progress UIs and debuggers read it).
    description: { 'com.docker.dockerfile.v1.command': step.source },
    ...nocache,
    locations,
  };
  return state.run(opts).root();
}
