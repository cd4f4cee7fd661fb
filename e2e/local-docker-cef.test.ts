// Local end-to-end test of the CEF runtime IMAGE (Dockerfile.runtime-cef) with LKB_ENGINE=cef, as the operator runs
// a spec.engine cef session: page pixels, focus, a click and SIGTERM through a real container
// (e2e/lib/runtime-container-suite.ts).
import { runtimeContainerSuite } from './lib/runtime-container-suite.ts';

runtimeContainerSuite({ image: 'runtime-cef', engine: 'cef', room: 'e2e-docker-cef', browser: 'browser-e2e-cef' });
