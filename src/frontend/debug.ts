// An opt-in debug hook for tests and bug reports: with PUNCH_FRONTEND_LOG_DEFINITION=1 in the
// frontend's environment (e.g. `ENV` in an image derived from the frontend image), each image
// Definition the frontend solves is logged to stderr, which BuildKit sends to the daemon's log.
// Off by default; never on stdout (stdout is the gRPC pipe).

export const LOG_DEFINITION_ENV = 'PUNCH_FRONTEND_LOG_DEFINITION';

const PREFIX = 'punch frontend: definition ';

export function logsDefinitions(env: NodeJS.ProcessEnv): boolean {
  return env[LOG_DEFINITION_ENV] === '1';
}

/** One log line: the platform and the base64 of the exact Definition bytes sent in Solve. */
export function definitionLogLine(platform: string, definition: Uint8Array): string {
  return `${PREFIX}${platform} ${Buffer.from(definition).toString('base64')}`;
}

export interface LoggedDefinition {
  platform: string;
  definition: Buffer;
}

/** The definitions logged in `text` (a daemon log), oldest first. */
export function loggedDefinitions(text: string): LoggedDefinition[] {
  const out: LoggedDefinition[] = [];
  for (const line of text.split('\n')) {
    const at = line.indexOf(PREFIX);
    if (at < 0) continue;
    const m = /^(\S+) ([A-Za-z0-9+/=]+)\s*$/.exec(line.slice(at + PREFIX.length));
    if (m) out.push({ platform: m[1]!, definition: Buffer.from(m[2]!, 'base64') });
  }
  return out;
}

// A second opt-in hook, for leak tests: with PUNCH_FRONTEND_LOG_RSS=1 the frontend logs its memory
// as its last act (after Return), so that a test can read each run's footprint from the daemon log.

export const LOG_RSS_ENV = 'PUNCH_FRONTEND_LOG_RSS';

const RSS_PREFIX = 'punch frontend: memory ';

export function logsRss(env: NodeJS.ProcessEnv): boolean {
  return env[LOG_RSS_ENV] === '1';
}

/** A process's memory, in bytes. */
export interface MemoryReport {
  /** Resident set size when measured (`process.memoryUsage().rss`). */
  rss: number;
  /** Peak resident set size of the process so far (`process.resourceUsage().maxRSS`, KiB → bytes). */
  maxRss: number;
}

export function rssLogLine(m: MemoryReport): string {
  return `${RSS_PREFIX}rss=${m.rss} maxrss=${m.maxRss}`;
}

/** The memory reports logged in `text` (a daemon log), oldest first. */
export function loggedMemory(text: string): MemoryReport[] {
  const out: MemoryReport[] = [];
  for (const line of text.split('\n')) {
    const at = line.indexOf(RSS_PREFIX);
    if (at < 0) continue;
    const m = /^rss=(\d+) maxrss=(\d+)\s*$/.exec(line.slice(at + RSS_PREFIX.length));
    if (m) out.push({ rss: Number(m[1]), maxRss: Number(m[2]) });
  }
  return out;
}

/** This process's memory now (the edge where the hook reads the clock-like process state). */
export function processMemory(): MemoryReport {
  return { rss: process.memoryUsage().rss, maxRss: process.resourceUsage().maxRSS * 1024 };
}

// A third opt-in hook, for the benchmark: with PUNCH_FRONTEND_LOG_TIMING=1 the frontend logs when it
// was ready to talk, when Ping answered and when Return was sent, in ms since its process started.

export const LOG_TIMING_ENV = 'PUNCH_FRONTEND_LOG_TIMING';

const TIMING_PREFIX = 'punch frontend: timing ';

export function logsTiming(env: NodeJS.ProcessEnv): boolean {
  return env[LOG_TIMING_ENV] === '1';
}

/** Milliseconds since the process started (Node's performance.timeOrigin). */
export interface SessionTiming {
  /** Program loaded, about to send Ping. */
  ready: number;
  /** Ping answered. */
  pinged: number;
  /** Return answered. */
  returned: number;
}

export function timingLogLine(t: SessionTiming): string {
  return `${TIMING_PREFIX}ready=${t.ready.toFixed(1)} pinged=${t.pinged.toFixed(1)} returned=${t.returned.toFixed(1)}`;
}

/** The timings logged in `text` (a daemon log), oldest first. */
export function loggedTimings(text: string): SessionTiming[] {
  const out: SessionTiming[] = [];
  for (const m of text.matchAll(/punch frontend: timing ready=([\d.]+) pinged=([\d.]+) returned=([\d.]+)/g)) {
    out.push({ ready: Number(m[1]), pinged: Number(m[2]), returned: Number(m[3]) });
  }
  return out;
}
