// ChownOpt → uid/gid, as BuildKit's readUser: names are looked up in /etc/passwd and /etc/group of
// the input the option names; a user without a group gets its own id (byID) or its passwd gid (byName).
import { readFileSync } from 'node:fs';
import type { pb } from '../gen/pb.js';
import type { Owner } from './copy.js';
import { lookup, resolvePath } from './tree.js';
import type { DirNode } from './types.js';

/** Reads a small file of the tree (passwd/group); undefined when missing. */
function readTreeFile(root: DirNode, path: string): string | undefined {
  const node = lookup(root, resolvePath(root, path));
  if (node?.type !== 'file') return undefined;
  if (node.content.kind === 'bytes') return Buffer.from(node.content.data).toString('utf8');
  return readFileSync(node.content.path, 'utf8');
}

/** Fields of the line whose first field is `name` (passwd: name:x:uid:gid:…, group: name:x:gid:…). */
function findEntry(text: string, name: string): string[] | undefined {
  for (const line of text.split('\n')) {
    const fields = line.trim().split(':');
    if (fields[0] === name && !line.trim().startsWith('#')) return fields;
  }
  return undefined;
}

export type TreeOf = (input: number) => Promise<DirNode>;

const accountFile = (kind: 'user' | 'group'): string => (kind === 'user' ? '/etc/passwd' : '/etc/group');

/**
 * A user or group name the op's input cannot resolve. The engine does not know which instruction
 * asked (COPY --chown, WORKDIR under USER), so its hint is generic; punch build's step locator, which
 * knows the line, words the remedy for that instruction from these fields.
 */
export class OwnerLookupError extends Error {
  override name = 'OwnerLookupError';
  /** The file the name is looked up in: /etc/passwd or /etc/group. */
  readonly file: string;
  constructor(
    readonly kind: 'user' | 'group',
    readonly account: string,
    readonly missing: 'file' | 'entry',
  ) {
    const file = accountFile(kind);
    const what = missing === 'file' ? `the image has no ${file}` : `no such ${kind} in ${file}`;
    super(`cannot resolve ${kind} "${account}": ${what} (use a numeric ${kind === 'user' ? 'uid' : 'gid'})`);
    this.file = file;
  }
}

/** The passwd or group line of a named user or group in the tree of `input`; an OwnerLookupError otherwise. */
async function namedEntry(kind: 'user' | 'group', opt: pb.NamedUserOpt.$Properties, treeOf: TreeOf, intOf: (v: unknown) => number): Promise<string[]> {
  const name = opt.name ?? '';
  const text = readTreeFile(await treeOf(intOf(opt.input)), accountFile(kind));
  if (text === undefined) throw new OwnerLookupError(kind, name, 'file');
  const e = findEntry(text, name);
  if (!e) throw new OwnerLookupError(kind, name, 'entry');
  return e;
}

export async function resolveOwner(chown: pb.ChownOpt.$Properties | null | undefined, treeOf: TreeOf, intOf: (v: unknown) => number): Promise<Owner | undefined> {
  if (!chown || (!chown.user && !chown.group)) return undefined;
  const owner: Owner = { uid: 0, gid: 0 };
  const { user, group } = chown;
  if (user?.byName) {
    const e = await namedEntry('user', user.byName, treeOf, intOf);
    owner.uid = Number(e[2]);
    owner.gid = Number(e[3]);
  } else if (user && user.byID != null) {
    owner.uid = user.byID;
    owner.gid = user.byID;
  }
  if (group?.byName) {
    owner.gid = Number((await namedEntry('group', group.byName, treeOf, intOf))[2]);
  } else if (group && group.byID != null) {
    owner.gid = group.byID;
  }
  return owner;
}
