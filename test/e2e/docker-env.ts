// How the e2e suite talks to its private dockerds: Docker 20.10 through Debian 12's 20.10 client (the
// `docker` first on PATH may be a newer one that needs buildx for BuildKit), Docker 26 through Debian
// 13's 26 client with buildx; always with BuildKit on and the user's settings out.

/** Debian 12's client, for Docker 20.10 (and the default of code that names no engine). */
export const DOCKER_CLI = '/usr/bin/docker';

export function dockerClientEnv(dockerHost: string, dockerConfig: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Any of these would point the client at another daemon or change its TLS setup.
  for (const key of ['DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_TLS', 'BUILDX_BUILDER']) delete env[key];
  env['DOCKER_HOST'] = dockerHost;
  env['DOCKER_BUILDKIT'] = '1';
  env['DOCKER_CONFIG'] = dockerConfig;
  return env;
}
