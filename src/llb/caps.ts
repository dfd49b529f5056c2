// BuildKit LLB capability IDs (solver/pb/caps.go) that the ops we emit declare in OpMetadata.caps.

export const Caps = {
  sourceImage: 'source.image',
  sourceOciLayout: 'source.ocilayout',
  sourceImageResolveMode: 'source.image.resolvemode',
  sourceLocal: 'source.local',
  sourceLocalUnique: 'source.local.unique',
  sourceLocalSessionId: 'source.local.sessionid',
  sourceLocalIncludePatterns: 'source.local.includepatterns',
  sourceLocalExcludePatterns: 'source.local.excludepatterns',
  sourceLocalFollowPaths: 'source.local.followpaths',
  sourceLocalSharedKeyHint: 'source.local.sharedkeyhint',
  fileBase: 'file.base',
  fileCopyIncludeExcludePatterns: 'file.copy.includeexcludepatterns',
  execMetaBase: 'exec.meta.base',
  execMountBind: 'exec.mount.bind',
  constraints: 'constraints',
  platform: 'platform',
  metaIgnoreCache: 'meta.ignorecache',
  metaDescription: 'meta.description',
  metaExportCache: 'meta.exportcache',
} as const;

/** OpMetadata.description key for the progress name of a vertex (llb.WithCustomName). */
export const CUSTOM_NAME_KEY = 'llb.customname';
