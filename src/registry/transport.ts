// HTTP to one repository of one registry: scheme choice, token/basic auth with one retry, readable errors.
import { parseChallenges, type Challenge } from './challenge.js';
import { basicHeader, type CredentialLookup } from './credentials.js';
import { RegistryError } from './errors.js';
import type { RegistryRef } from './ref.js';

export type Actions = 'pull' | 'pull,push';

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT';
  /** A path on the API host (`/v2/…`) or an absolute URL (an upload Location). */
  url: string;
  headers?: Record<string, string>;
  /** A factory, not a body: a stream is spent after one send and an auth retry must send it again. */
  body?: () => NonNullable<RequestInit['body']>;
  actions: Actions;
}

export interface TransportContext {
  fetch: typeof fetch;
  insecure: (host: string) => boolean;
  credentials: (domain: string) => Promise<CredentialLookup>;
  configPath: string;
  /** Authorization values shared by all transports of a client, keyed by `host repository`. */
  authCache: Map<string, string>;
  log: (msg: string) => void;
}

export class Transport {
  readonly base: string;
  private readonly authKey: string;

  constructor(
    readonly ref: Pick<RegistryRef, 'domain' | 'apiHost' | 'repository' | 'text'>,
    private readonly ctx: TransportContext,
  ) {
    this.base = `${ctx.insecure(ref.apiHost) ? 'http' : 'https'}://${ref.apiHost}`;
    this.authKey = `${ref.apiHost} ${ref.repository}`;
  }

  /** `/v2/<repository>/<rest>` */
  path(rest: string): string {
    return `/v2/${this.ref.repository}/${rest}`;
  }

  async request(req: RegistryRequest): Promise<Response> {
    const first = await this.send(req, this.ctx.authCache.get(this.authKey));
    if (first.status !== 401) return first;
    const challengeHeader = first.headers.get('www-authenticate') ?? '';
    const firstError = await errorText(first);
    const lookup = await this.ctx.credentials(this.ref.domain);
    const authorization = await this.authorize(parseChallenges(challengeHeader), lookup, req.actions, firstError);
    this.ctx.authCache.set(this.authKey, authorization);
    const second = await this.send(req, authorization);
    if (second.status === 401) throw this.unauthorized(lookup, await errorText(second));
    return second;
  }

  private async send(req: RegistryRequest, authorization: string | undefined): Promise<Response> {
    const url = new URL(req.url, this.base).toString();
    const headers: Record<string, string> = { ...req.headers };
    // Only our own host gets the registry's credentials (undici drops them on cross-origin redirects too).
    if (authorization && new URL(url).host === new URL(this.base).host) headers.authorization = authorization;
    const init: RequestInit & { duplex?: 'half' } = { method: req.method, headers, redirect: 'follow' };
    if (req.body) {
      init.body = req.body();
      init.duplex = 'half';
    }
    try {
      return await this.ctx.fetch(url, init);
    } catch (err) {
      throw networkError(url, err);
    }
  }

  private async authorize(
    challenges: Challenge[],
    lookup: CredentialLookup,
    actions: Actions,
    registryMessage: string,
  ): Promise<string> {
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) return this.fetchToken(bearer, lookup, actions);
    if (challenges.some((c) => c.scheme === 'basic') && lookup.kind === 'basic') return basicHeader(lookup.credentials);
    throw this.unauthorized(lookup, registryMessage);
  }

  private async fetchToken(challenge: Challenge, lookup: CredentialLookup, actions: Actions): Promise<string> {
    const realm = challenge.params.realm;
    if (!realm) throw new RegistryError('protocol', `${this.ref.apiHost} sent a Bearer challenge without a realm`);
    const url = new URL(realm);
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    // A push asks for push rights at once, even when the first challenge (a HEAD) only named pull.
    const wanted = `repository:${this.ref.repository}:${actions}`;
    const offered = challenge.params.scope;
    const scope = offered === undefined || offered.startsWith(`repository:${this.ref.repository}:`) ? wanted : offered;
    url.searchParams.set('scope', scope);
    const headers: Record<string, string> = {};
    if (lookup.kind === 'basic') headers.authorization = basicHeader(lookup.credentials);
    this.ctx.log(`registry: token from ${url.origin}${url.pathname} for ${url.searchParams.get('scope')}`);
    let res: Response;
    try {
      res = await this.ctx.fetch(url.toString(), { headers });
    } catch (err) {
      throw networkError(url.toString(), err);
    }
    if (res.status === 401 || res.status === 403) throw this.unauthorized(lookup, await errorText(res));
    if (!res.ok) {
      throw new RegistryError('protocol', `token service ${url.origin}${url.pathname} answered HTTP ${res.status}: ${await errorText(res)}`);
    }
    const body = (await res.json().catch(() => ({}))) as { token?: unknown; access_token?: unknown };
    const token = typeof body.token === 'string' && body.token ? body.token : body.access_token;
    if (typeof token !== 'string' || !token) {
      throw new RegistryError('protocol', `token service ${url.origin}${url.pathname} returned no token`);
    }
    return `Bearer ${token}`;
  }

  unauthorized(lookup: CredentialLookup, registryMessage: string): RegistryError {
    const { domain, repository } = this.ref;
    const said = registryMessage ? ` (registry said: ${registryMessage})` : '';
    const head = `unauthorized: ${domain} refused access to ${repository}${said}`;
    switch (lookup.kind) {
      case 'none':
        return new RegistryError(
          'unauthorized',
          `${head}; no credentials for ${domain} in ${this.ctx.configPath}: run \`docker login ${domain}\` (the image may also not exist)`,
        );
      case 'helper':
        return new RegistryError(
          'unauthorized',
          `${head}; the credentials for ${domain} are kept by credential helper "docker-credential-${lookup.helper}", which punch does not support: put an "auth" entry for ${domain} in ${this.ctx.configPath}`,
        );
      case 'basic':
        return new RegistryError('unauthorized', `${head}; the credentials for ${domain} in ${this.ctx.configPath} were refused`);
    }
  }
}

/** The `errors[].message` of a distribution error body, or the status text. */
export async function errorText(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const msgs = (body.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(': ')).filter(Boolean);
    if (msgs.length > 0) return msgs.join('; ');
  } catch {
    // not JSON: fall through
  }
  return text.trim().slice(0, 200) || `HTTP ${res.status}`;
}

function networkError(url: string, err: unknown): RegistryError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message ?? (err as Error).message;
  const hint = url.startsWith('https:')
    ? ' (punch uses HTTPS except for loopback registries, which use plain HTTP)'
    : '';
  return new RegistryError('network', `cannot reach ${url}: ${detail}${hint}`);
}
