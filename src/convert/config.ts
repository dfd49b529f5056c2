// Applies a stage's instructions to its base image config, the way Docker's Dockerfile frontend does.
import type { ImageConfig, ImageConfigBody } from '../oci/types.js';
import { DEFAULT_PATH } from '../llb/index.js';
import type { Platform } from '../platform.js';
import type { Stage } from '../plan/types.js';

/**
 * The config of an image built FROM scratch: Docker sets WorkingDir `/`. Docker's frontend also puts
 * its default PATH in the Env; punch leaves it out of a scratch image, which is what a unikernel image
 * is: nothing in it looks PATH up, and the runtime (containerd's default spec, dockerd) gives a
 * container whose image has no PATH that same default, so urunc hands the guest the same environment
 * either way. RUN still gets the default PATH (see the plan's runEnv).
 */
export function emptyImageConfig(platform: Platform): ImageConfig {
  return {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: { WorkingDir: '/' },
    rootfs: { type: 'layers', diff_ids: [] },
    history: [],
  };
}

/**
 * A base image's config, re-targeted at the platform being built and stripped of layer facts. A Linux
 * base without PATH gets Docker's default one, as Docker's frontend gives every such stage.
 */
export function inheritConfig(base: ImageConfig, platform: Platform): ImageConfig {
  const body: ImageConfigBody = structuredClone(base.config ?? {});
  if (platform.os !== 'windows' && !(body.Env ?? []).some((e) => e.startsWith('PATH='))) body.Env = [...(body.Env ?? []), `PATH=${DEFAULT_PATH}`];
  return {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: body,
    rootfs: { type: 'layers', diff_ids: [...(base.rootfs?.diff_ids ?? [])] },
    history: structuredClone(base.history ?? []),
  };
}

/** Docker's addEnv: a redefined variable keeps its place; a new one goes last. */
function applyEnv(env: readonly string[], pairs: ReadonlyArray<readonly [string, string]>): string[] {
  const byKey = new Map<string, string>();
  for (const e of env) {
    const eq = e.indexOf('=');
    byKey.set(eq < 0 ? e : e.slice(0, eq), e);
  }
  for (const [k, v] of pairs) byKey.set(k, `${k}=${v}`);
  return [...byKey.values()];
}

/** Applies one stage's config instructions (ENV, CMD, ENTRYPOINT, ...) on top of `start`. */
export function applyStageConfig(start: ImageConfig, stage: Stage): ImageConfig {
  const out: ImageConfig = structuredClone(start);
  const c = out.config;
  const s = stage.config;
  if (s.env.length > 0) c.Env = applyEnv(c.Env ?? [], s.env.map((e) => e.value));
  if (s.entrypoint) c.Entrypoint = s.entrypoint.value;
  // Docker: an ENTRYPOINT resets a CMD this stage did not set; the plan records that as an empty CMD
  // placed at the ENTRYPOINT itself.
  const reset = s.cmd && s.entrypoint && s.cmd.value.length === 0 && s.cmd.range.start.line === s.entrypoint.range.start.line && s.cmd.range.start.col === s.entrypoint.range.start.col;
  if (reset) c.Cmd = null;
  else if (s.cmd) c.Cmd = s.cmd.value;
  if (s.workdir) c.WorkingDir = s.workdir.value;
  if (s.user) c.User = s.user.value;
  // `out` is a fresh copy: the maps are filled in place (copying them per entry is quadratic).
  for (const p of s.exposedPorts) (c.ExposedPorts ??= {})[p.value] = {};
  for (const l of s.labels) (c.Labels ??= {})[l.key] = l.value;
  if (s.stopSignal) c.StopSignal = s.stopSignal.value;
  if (s.shell) c.Shell = s.shell.value;
  for (const v of s.volumes) (c.Volumes ??= {})[v.value] = {};
  out.history = [
    ...(out.history ?? []),
    ...stage.history.map((h) => (h.emptyLayer ? { created_by: h.createdBy, empty_layer: true } : { created_by: h.createdBy })),
  ];
  return out;
}

/** Sorts the keys of a config's maps so the JSON is byte-stable. */
export function canonicalConfig(cfg: ImageConfig): ImageConfig {
  const sortRecord = <T>(r: Record<string, T> | undefined): Record<string, T> | undefined =>
    r && Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k] as T]));
  const c = cfg.config;
  const body: ImageConfigBody = { ...c };
  if (c.Labels) body.Labels = sortRecord(c.Labels);
  if (c.ExposedPorts) body.ExposedPorts = sortRecord(c.ExposedPorts);
  if (c.Volumes) body.Volumes = sortRecord(c.Volumes);
  return { ...cfg, config: body };
}
