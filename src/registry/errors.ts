// One error type for everything the registry client can fail on, so callers can tell the kinds apart.

export type RegistryErrorKind =
  | 'not-found'
  | 'unauthorized'
  | 'no-platform'
  | 'digest-mismatch'
  | 'bad-reference'
  | 'protocol'
  | 'network'
  | 'layout';

export class RegistryError extends Error {
  readonly kind: RegistryErrorKind;

  constructor(kind: RegistryErrorKind, message: string) {
    super(message);
    this.name = 'RegistryError';
    this.kind = kind;
  }
}
