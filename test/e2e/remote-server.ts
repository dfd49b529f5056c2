// What e2e tests serve remote build contexts from: git repositories over git's smart HTTP protocol
// (`git http-backend` as a CGI program, which BuildKit's shallow fetches need) and plain files over
// HTTP, on 127.0.0.1. BuildKit runs inside dockerd, in the host's network namespace, so both engines
// reach loopback addresses.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, join, normalize } from 'node:path';

export interface RemoteServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `root`: `/<name>.git/...` through `git http-backend` (repositories under `root`), any
 * other path as a file of `root`.
 */
export async function startRemoteServer(root: string): Promise<RemoteServer> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (/^\/[^/]+\.git\//.test(url.pathname)) {
      const cgi = spawn('git', ['http-backend'], {
        env: {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin',
          GIT_PROJECT_ROOT: root,
          GIT_HTTP_EXPORT_ALL: '1',
          PATH_INFO: decodeURIComponent(url.pathname),
          QUERY_STRING: url.search.slice(1),
          REQUEST_METHOD: req.method ?? 'GET',
          CONTENT_TYPE: req.headers['content-type'] ?? '',
          ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
          ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
          REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
        },
      });
      req.pipe(cgi.stdin);
      const chunks: Buffer[] = [];
      cgi.stdout.on('data', (c: Buffer) => chunks.push(c));
      cgi.on('close', () => {
        const out = Buffer.concat(chunks);
        const end = out.indexOf('\r\n\r\n');
        const head = end < 0 ? '' : out.subarray(0, end).toString('latin1');
        let status = 200;
        for (const line of head.split('\r\n')) {
          const colon = line.indexOf(':');
          if (colon < 0) continue;
          const name = line.slice(0, colon).trim();
          const value = line.slice(colon + 1).trim();
          if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
          else res.setHeader(name, value);
        }
        res.statusCode = status;
        res.end(end < 0 ? out : out.subarray(end + 4));
      });
      return;
    }
    const file = normalize(join(root, url.pathname));
    try {
      const data = readFileSync(file);
      res.setHeader('Content-Type', 'application/octet-stream');
      res.end(data);
    } catch {
      res.statusCode = 404;
      res.end('not found\n');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the remote context server has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Runs git with a fixed identity and dates, so that commits are the same on every run. */
function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: cwd,
      GIT_AUTHOR_NAME: 'punch e2e',
      GIT_AUTHOR_EMAIL: 'e2e@punch.invalid',
      GIT_COMMITTER_NAME: 'punch e2e',
      GIT_COMMITTER_EMAIL: 'e2e@punch.invalid',
      GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
      GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
    },
  });
}

/**
 * A bare repository `<root>/<name>.git` with one commit per entry of `commits` on `branch`, each
 * writing its files, and each tagged with its key.
 */
export function makeGitRepo(root: string, name: string, branch: string, commits: Record<string, Record<string, string>>): void {
  const work = join(root, `${name}.work`);
  mkdirSync(work, { recursive: true });
  git(work, ['init', '-q', '-b', branch]);
  for (const [tag, files] of Object.entries(commits)) {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), content);
    }
    git(work, ['add', '-A']);
    git(work, ['commit', '-q', '-m', tag]);
    git(work, ['tag', tag]);
  }
  git(root, ['clone', '-q', '--bare', work, `${name}.git`]);
}
