// OCI platforms: parsing `os/arch[/variant]`, normalising like containerd, formatting.

/** BuildKit's system.DefaultPathEnv for Linux: the PATH a RUN, a config or an ExecOp gets when none is set. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const archAliases: Record<string, string> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  aarch64: 'arm64',
  armhf: 'arm',
  armel: 'arm',
  i386: '386',
};

/** Normalise like containerd's platforms.Normalize: x86_64 → amd64, arm64 drops v8, arm defaults to v7. */
export function normalizePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase();
  let architecture = p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase() || undefined;
  architecture = archAliases[architecture] ?? architecture;
  if (p.architecture.toLowerCase() === 'armel') variant = 'v6';
  if (architecture === 'arm64' && (variant === 'v8' || variant === '8')) variant = undefined;
  if (architecture === 'arm' && !variant) variant = 'v7';
  if (architecture === 'amd64' && variant === 'v1') variant = undefined;
  return variant ? { os, architecture, variant } : { os, architecture };
}

/**
 * Parses `os/arch[/variant]` (or `arch` alone with os linux). Returns an error string when malformed,
 * so callers can attach their own position.
 */
export function parsePlatform(text: string): Platform | { error: string } {
  const parts = text.trim().split('/');
  if (parts.some((p) => p === '' || !/^[A-Za-z0-9_.-]+$/.test(p)) || parts.length > 3) {
    return { error: `invalid platform "${text}": expected os/arch[/variant], e.g. linux/amd64 or qemu/amd64` };
  }
  if (parts.length === 1) return normalizePlatform({ os: 'linux', architecture: parts[0]! });
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return normalizePlatform(variant ? { os, architecture, variant } : { os, architecture });
}

export function isPlatformError(p: Platform | { error: string }): p is { error: string } {
  return 'error' in p;
}

export function formatPlatform(p: Platform): string {
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`;
}

export function samePlatform(a: Platform, b: Platform): boolean {
  const x = normalizePlatform(a);
  const y = normalizePlatform(b);
  return x.os === y.os && x.architecture === y.architecture && (x.variant ?? '') === (y.variant ?? '');
}

/** The platform of the machine punch runs on, as an OCI linux platform. */
export function hostPlatform(nodeArch: string): Platform {
  const map: Record<string, Platform> = {
    x64: { os: 'linux', architecture: 'amd64' },
    arm64: { os: 'linux', architecture: 'arm64' },
    arm: { os: 'linux', architecture: 'arm', variant: 'v7' },
    ia32: { os: 'linux', architecture: '386' },
    ppc64: { os: 'linux', architecture: 'ppc64le' },
    s390x: { os: 'linux', architecture: 's390x' },
    riscv64: { os: 'linux', architecture: 'riscv64' },
  };
  return map[nodeArch] ?? { os: 'linux', architecture: nodeArch };
}
