// The gateway frontend's way in (BuildKit's LLBBridge over stdio): the public face of src/frontend/.
export { runFrontend, type BuildFunction, type FrontendIO } from './run.js';
