// `--output type=...,dest=...` for punch build, in buildx's CSV form.
import { UsageError } from './usage-error.js';

export type OutputSpec =
  | { type: 'oci'; dest: string }
  | { type: 'oci-layout'; dest: string }
  | { type: 'docker'; dest: string }
  | { type: 'registry'; name?: string };

const types = ['oci', 'oci-layout', 'docker', 'registry'] as const;

/** Parses `type=oci,dest=x.tar`; `name=` on registry overrides `-t`. Unknown keys are errors. */
export function parseOutputSpec(text: string): OutputSpec {
  const fields = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`--output ${text}: "${part}" is not key=value (e.g. type=oci,dest=image.tar)`);
    const key = part.slice(0, eq).trim();
    if (fields.has(key)) throw new UsageError(`--output ${text}: ${key} is given twice`);
    fields.set(key, part.slice(eq + 1));
  }
  const type = fields.get('type');
  if (!type || !(types as readonly string[]).includes(type)) {
    throw new UsageError(`--output ${text}: type must be one of ${types.join(', ')}`);
  }
  const allowed = type === 'registry' ? ['type', 'name'] : ['type', 'dest'];
  for (const key of fields.keys()) {
    if (!allowed.includes(key)) throw new UsageError(`--output ${text}: ${key}= is not an option of type=${type} (allowed: ${allowed.join(', ')})`);
  }
  if (type === 'registry') {
    const name = fields.get('name');
    return name ? { type, name } : { type };
  }
  const dest = fields.get('dest');
  if (!dest) throw new UsageError(`--output ${text}: type=${type} needs dest=PATH`);
  return { type: type as 'oci' | 'oci-layout' | 'docker', dest };
}

/** Without --output: an OCI archive named after the image, e.g. `-t nginx-uk:dev` → `nginx-uk.tar`. */
export function defaultOutput(tag: string): OutputSpec {
  const repo = tag.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  const base = repo.split('/').pop() || 'image';
  return { type: 'oci', dest: `${base}.tar` };
}
