// What every comparison script shares: the room server (livekit-server; LKB_TEST_SFU=testserver: the test SFU)
// and the page server around all runs, and the order of the two pipelines within a run.
import { type Sfu, startSfu } from './common.ts';
import { type PageServer, startPageServer } from './pages.ts';
import { KINDS, type PipelineKind } from './pipelines.ts';

/** Runs `body` with a fresh room server and page server, closing both however it ends. */
export async function withFixtures<T>(body: (sfu: Sfu, pages: PageServer) => Promise<T>): Promise<T> {
  const sfu = await startSfu();
  const pages = await startPageServer();
  try {
    return await body(sfu, pages);
  } finally {
    await pages.close();
    await sfu.close();
  }
}

/** Both pipelines for run `i`, the order alternated so slow drifts of the machine load hit both sides alike. */
export function kindsForRun(i: number): readonly PipelineKind[] {
  return i % 2 === 0 ? KINDS : [...KINDS].reverse();
}
