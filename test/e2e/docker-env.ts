// How the e2e suite talks to its private dockerd: Debian's 20.10 client (the `docker` first on PATH
// may be a newer one that needs buildx for BuildKit) with BuildKit on and the user's settings out.

export const DOCKER_CLI = '/usr/bin/docker';

export function dockerClientEnv(dockerHost: string, dockerConfig: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Any of these would point the client at another daemon or change its TLS setup.
  for (const key of ['DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_TLS']) delete env[key];
  env['DOCKER_HOST'] = dockerHost;
  env['DOCKER_BUILDKIT'] = '1';
  env['DOCKER_CONFIG'] = dockerConfig;
  return env;
}
