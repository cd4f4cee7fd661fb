// The controller loop (controller-runtime's reconcileHandler): workers take keys from the work queue, one key is
// never reconciled twice at once, and the result decides what happens to the key:
// error, 409 conflict or {requeue} → addRateLimited (per-key exponential backoff); {requeueAfterMs} → forget +
// addAfter; success → forget.
import type { Logger } from 'pino';
import { isConflict } from './kube-client.ts';
import type { OperatorMetrics } from './metrics.ts';
import type { WorkQueue } from './work-queue.ts';

/**
 * What a reconcile asks of the queue: nothing (done until the next event), another look after a delay, or
 * `requeue`: another look with the per-key backoff, for a state that is not an operator error but may change by
 * itself (e.g. admission refused a pod because of a quota).
 */
export interface Result {
  requeueAfterMs?: number;
  requeue?: boolean;
}

export interface ControllerOptions {
  name: string;
  queue: WorkQueue;
  reconcile(key: string): Promise<Result>;
  workers: number;
  metrics?: OperatorMetrics;
  log: Logger;
}

export class Controller {
  private readonly o: ControllerOptions;
  private workers: Promise<void>[] = [];
  /** Reconciles done, for tests. */
  reconciles = 0;

  constructor(opts: ControllerOptions) {
    this.o = opts;
  }

  start(): void {
    for (let i = 0; i < this.o.workers; i++) this.workers.push(this.worker());
  }

  private async worker(): Promise<void> {
    const { queue, name, metrics, log } = this.o;
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      metrics?.activeWorkers.inc({ controller: name });
      const end = metrics?.reconcileTime.startTimer({ controller: name });
      try {
        const res = await this.o.reconcile(key);
        if (res.requeue) {
          queue.addRateLimited(key);
          metrics?.reconcileTotal.inc({ controller: name, result: 'requeue' });
        } else if (res.requeueAfterMs !== undefined && res.requeueAfterMs > 0) {
          queue.forget(key);
          queue.addAfter(key, res.requeueAfterMs);
          metrics?.reconcileTotal.inc({ controller: name, result: 'requeue_after' });
        } else {
          queue.forget(key);
          metrics?.reconcileTotal.inc({ controller: name, result: 'success' });
        }
      } catch (e) {
        if (isConflict(e)) {
          // Optimistic concurrency: our cache was behind. Not an error, just try again with fresher data.
          log.debug({ key, err: e }, 'conflict: requeueing');
          metrics?.reconcileTotal.inc({ controller: name, result: 'requeue' });
        } else {
          log.error({ key, err: e, retries: queue.numRequeues(key) }, 'reconcile failed');
          metrics?.reconcileErrors.inc({ controller: name });
          metrics?.reconcileTotal.inc({ controller: name, result: 'error' });
        }
        queue.addRateLimited(key);
      } finally {
        end?.();
        metrics?.activeWorkers.dec({ controller: name });
        this.reconciles++;
        queue.done(key);
      }
    }
  }

  /** Call after queue.shutDownWithDrain(): waits until every worker has returned. */
  async wait(): Promise<void> {
    await Promise.all(this.workers);
  }
}
