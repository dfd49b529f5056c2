// A tiny in-process distribution registry on 127.0.0.1, for exact protocol behaviour in tests.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeAuth =
  | { kind: 'none' }
  /** Bearer tokens from /token; with `user`, the token service wants that Basic login. */
  | { kind: 'token'; user?: { username: string; password: string } }
  | { kind: 'basic'; user: { username: string; password: string } };

export interface LoggedRequest {
  method: string;
  /** Path and query, e.g. `/v2/punch/blobs/sha256:…`. */
  url: string;
  authorization?: string;
  contentType?: string;
  /** Absent when the body came chunked. */
  contentLength?: string;
}

interface StoredManifest {
  mediaType: string;
  bytes: Buffer;
}

const digestOf = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export class FakeRegistry {
  readonly requests: LoggedRequest[] = [];
  private readonly blobs = new Map<string, Map<string, Buffer>>();
  private readonly manifests = new Map<string, Map<string, StoredManifest>>();
  /** Bytes served instead of a blob's real content (to test digest verification). */
  readonly tamperedBlobs = new Map<string, Buffer>();
  private readonly uploads = new Map<string, string>();
  private server: Server | undefined;
  private nextUpload = 0;
  host = '';

  constructor(private readonly auth: FakeAuth = { kind: 'none' }) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => {
        res.statusCode = 500;
        res.end(err.message);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.host = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.host;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  addBlob(repo: string, bytes: Uint8Array): string {
    const digest = digestOf(bytes);
    this.repoBlobs(repo).set(digest, Buffer.from(bytes));
    return digest;
  }

  hasBlob(repo: string, digest: string): boolean {
    return this.repoBlobs(repo).has(digest);
  }

  /** Stores a manifest under its digest and, when given, a tag. Returns the digest. */
  addManifest(repo: string, mediaType: string, bytes: Uint8Array, tag?: string): string {
    const digest = digestOf(bytes);
    const m = { mediaType, bytes: Buffer.from(bytes) };
    this.repoManifests(repo).set(digest, m);
    if (tag) this.repoManifests(repo).set(tag, m);
    return digest;
  }

  /** Requests whose path matches, as `METHOD path` (query dropped). */
  calls(pattern: RegExp): string[] {
    return this.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`).filter((l) => pattern.test(l));
  }

  private repoBlobs(repo: string): Map<string, Buffer> {
    let m = this.blobs.get(repo);
    if (!m) this.blobs.set(repo, (m = new Map()));
    return m;
  }

  private repoManifests(repo: string): Map<string, StoredManifest> {
    let m = this.manifests.get(repo);
    if (!m) this.manifests.set(repo, (m = new Map()));
    return m;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${this.host}`);
    const entry: LoggedRequest = { method: req.method ?? 'GET', url: url.pathname + url.search };
    if (req.headers.authorization) entry.authorization = req.headers.authorization;
    if (req.headers['content-type']) entry.contentType = req.headers['content-type'];
    if (req.headers['content-length']) entry.contentLength = req.headers['content-length'];
    this.requests.push(entry);
    const body = await readBody(req);

    if (url.pathname === '/token') return this.token(req, url, res);

    const upload = /^\/v2\/(.+)\/blobs\/uploads\/(.*)$/.exec(url.pathname);
    const item = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    const repo = upload?.[1] ?? item?.[1];
    if (!repo) return error(res, 404, 'NAME_UNKNOWN', 'no such route');
    const push = req.method === 'POST' || req.method === 'PUT';
    if (!this.authorized(req, repo, push ? 'pull,push' : 'pull')) return this.challenge(res, repo, push);

    if (upload) {
      if (req.method === 'POST') {
        const id = `u${this.nextUpload++}`;
        this.uploads.set(id, repo);
        res.writeHead(202, { location: `/v2/${repo}/blobs/uploads/${id}?state=opaque`, 'docker-upload-uuid': id, 'content-length': '0' });
        return void res.end();
      }
      const id = upload[2]!;
      const digest = url.searchParams.get('digest');
      if (req.method !== 'PUT' || this.uploads.get(id) !== repo || !digest) return error(res, 404, 'BLOB_UPLOAD_UNKNOWN', id);
      if (url.searchParams.get('state') !== 'opaque') return error(res, 400, 'BLOB_UPLOAD_INVALID', 'lost query');
      if (digestOf(body) !== digest) return error(res, 400, 'DIGEST_INVALID', 'digest did not match content');
      this.repoBlobs(repo).set(digest, body);
      this.uploads.delete(id);
      res.writeHead(201, { location: `/v2/${repo}/blobs/${digest}`, 'docker-content-digest': digest, 'content-length': '0' });
      return void res.end();
    }

    const [, , kind, reference] = item!;
    if (kind === 'blobs') {
      const blob = this.repoBlobs(repo).get(reference!);
      if (!blob) return error(res, 404, 'BLOB_UNKNOWN', 'blob unknown to registry');
      const served = this.tamperedBlobs.get(reference!) ?? blob;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(served.length), 'docker-content-digest': reference! });
      return void res.end(req.method === 'HEAD' ? undefined : served);
    }
    if (req.method === 'PUT') {
      const mediaType = req.headers['content-type'] ?? '';
      const digest = digestOf(body);
      if (reference!.startsWith('sha256:') && reference !== digest) return error(res, 400, 'DIGEST_INVALID', 'manifest digest');
      this.addManifest(repo, mediaType, body, reference!.startsWith('sha256:') ? undefined : reference);
      res.writeHead(201, { location: `/v2/${repo}/manifests/${digest}`, 'docker-content-digest': digest, 'content-length': '0' });
      return void res.end();
    }
    const m = this.repoManifests(repo).get(reference!);
    if (!m) return error(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');
    const served = this.tamperedBlobs.get(digestOf(m.bytes)) ?? m.bytes;
    res.writeHead(200, { 'content-type': m.mediaType, 'content-length': String(served.length), 'docker-content-digest': digestOf(m.bytes) });
    res.end(req.method === 'HEAD' ? undefined : served);
  }

  private authorized(req: IncomingMessage, repo: string, actions: string): boolean {
    const header = req.headers.authorization ?? '';
    switch (this.auth.kind) {
      case 'none':
        return true;
      case 'basic':
        return header === basic(this.auth.user.username, this.auth.user.password);
      case 'token': {
        if (!header.startsWith('Bearer ')) return false;
        const scope = Buffer.from(header.slice('Bearer '.length), 'base64').toString('utf8');
        const [type, name, granted] = scope.split(':');
        return type === 'repository' && name === repo && (granted ?? '').split(',').includes(actions.includes('push') ? 'push' : 'pull');
      }
    }
  }

  private challenge(res: ServerResponse, repo: string, push: boolean): void {
    const header =
      this.auth.kind === 'basic'
        ? 'Basic realm="fake registry"'
        : `Bearer realm="http://${this.host}/token",service="fake-registry",scope="repository:${repo}:${push ? 'pull,push' : 'pull'}"`;
    res.setHeader('www-authenticate', header);
    error(res, 401, 'UNAUTHORIZED', 'authentication required');
  }

  private token(req: IncomingMessage, url: URL, res: ServerResponse): void {
    if (this.auth.kind !== 'token') return error(res, 404, 'UNSUPPORTED', 'no token service');
    if (url.searchParams.get('service') !== 'fake-registry') return error(res, 400, 'DENIED', 'wrong service');
    const user = this.auth.user;
    if (user && req.headers.authorization !== basic(user.username, user.password)) {
      return error(res, 401, 'UNAUTHORIZED', 'bad credentials');
    }
    const scope = url.searchParams.get('scope') ?? '';
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: Buffer.from(scope).toString('base64'), expires_in: 300 }));
  }
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

function error(res: ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({ errors: [{ code, message }] });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
