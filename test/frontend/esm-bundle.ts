// The frontend child scripts are bundled as ES modules; CommonJS packages in them (yaml's Node build
// requires 'process') need a real `require`, which esbuild's ESM output does not provide.
export const ESM_REQUIRE_BANNER = "import { createRequire as __punchCreateRequire } from 'node:module'; const require = __punchCreateRequire(import.meta.url);";
