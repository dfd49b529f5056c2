// The small LLB definitions the frontend solves itself (its inputs: the Containerfile and the
// .dockerignore), and the conversion of src/llb Definitions into the protobuf message Solve sends.
import { pb } from '../gen/ops.js';
import { encodeDefinition, local, marshal, type Definition, type LocalOptions } from '../llb/index.js';
import type { Platform } from '../platform.js';

/** src/llb's Definition as the pb message, through its own encoder (one source of truth for bytes). */
export function toPbDefinition(definition: Definition): pb.Definition {
  return pb.Definition.decode(encodeDefinition(definition));
}

/**
 * The digest of the op a definition builds (the terminal op's input): the vertex that warnings
 * about this input are attached to.
 */
export function headDigest(definition: pb.Definition.$Properties): string {
  const def = definition.def ?? [];
  const terminal = def[def.length - 1];
  if (!terminal) return '';
  return pb.Op.decode(terminal).inputs[0]?.digest ?? '';
}

export interface SourceDefinition {
  definition: pb.Definition;
  /** Digest of the local source op. */
  digest: string;
}

/** A definition of one `local://<name>` directory. */
export function localDefinition(name: string, options: LocalOptions, platform: Platform): SourceDefinition {
  const definition = toPbDefinition(marshal(local(name, options), { platform }));
  return { definition, digest: headDigest(definition) };
}
