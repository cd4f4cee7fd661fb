export { waitFor, withTimeout } from './wait.ts';
export { toolPath, toolsDir, toolVersions } from './tools.ts';
