// .dockerignore files and include/exclude path patterns (moby/patternmatcher's rules): the public face of src/patterns/.
export { goCleanPath, parseDockerignore } from './ignorefile.js';
