// .dockerignore files and include/exclude path patterns (moby/patternmatcher's rules): the public face of src/patterns/.
export { parseDockerignore, readDockerignore } from './ignorefile.js';
export { PatternError, PatternMatcher, type Pattern } from './matcher.js';
export { BAD_PATTERN, matchSyntaxError } from './syntax.js';
