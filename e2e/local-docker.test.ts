// Local end-to-end test of the runtime IMAGE (Dockerfile.runtime) with the default engine, Chromium under Xvfb:
// page pixels, focus, a click and SIGTERM through a real container (e2e/lib/runtime-container-suite.ts).
import { runtimeContainerSuite } from './lib/runtime-container-suite.ts';

runtimeContainerSuite({ image: 'runtime', engine: 'chromium', room: 'e2e-docker', browser: 'browser-e2e' });
