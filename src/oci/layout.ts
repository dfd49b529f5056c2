// The OCI image layout's format (image-spec image-layout.md), shared by its reader (`FROM
// oci-layout://`, src/registry/oci-layout.ts; the push of a built layout) and its writer
// (`punch build --output type=oci-layout` and the archives, src/engine/oci.ts).

/** `oci-layout://<dir>[:tag]` names an image in a local layout. */
export const OCI_LAYOUT_SCHEME = 'oci-layout://';
/** The marker file at a layout's root, and what punch writes in it. */
export const LAYOUT_MARKER_FILE = 'oci-layout';
export const LAYOUT_MARKER = Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' }));
export const LAYOUT_INDEX_FILE = 'index.json';
/** The index.json annotation that tags an entry. */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

/** `oci-layout://<dir>[:tag]`: an image in a local OCI layout, which punch build reads directly. */
export function isOciLayoutRef(text: string): boolean {
  return text.startsWith(OCI_LAYOUT_SCHEME) && text.length > OCI_LAYOUT_SCHEME.length;
}

/** `oci-layout://<dir>[:tag]` → its parts; undefined for any other reference. */
export function parseOciLayoutRef(text: string): { dir: string; tag?: string } | undefined {
  if (!text.startsWith(OCI_LAYOUT_SCHEME)) return undefined;
  const rest = text.slice(OCI_LAYOUT_SCHEME.length);
  const colon = rest.lastIndexOf(':');
  // A colon before the last slash belongs to the directory, not to a tag.
  if (colon > rest.lastIndexOf('/') && colon > 0) return { dir: rest.slice(0, colon), tag: rest.slice(colon + 1) };
  return { dir: rest };
}

/** A blob's path inside a layout, relative to its root: `blobs/<algorithm>/<hex>`. */
export function layoutBlobPath(digest: string): string {
  const colon = digest.indexOf(':');
  return `blobs/${digest.slice(0, colon)}/${digest.slice(colon + 1)}`;
}
