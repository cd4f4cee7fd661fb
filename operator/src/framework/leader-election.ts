// Leader election on a coordination.k8s.io/v1 Lease, following client-go's leaderelection + LeaseLock:
// - acquire when the Lease is absent, released (empty holder) or not renewed for leaseDuration as observed on
//   OUR clock (robust to clock skew between replicas);
// - writes are PUTs guarded by resourceVersion, so two candidates cannot both win (409 = lost the race);
// - the leader renews every retryPeriod; without a successful renew for renewDeadline it stops leading;
// - release() on shutdown empties holderIdentity so a standby takes over at once instead of after leaseDuration.
// Times are MicroTime (6 fractional digits via client-node's V1MicroTime): a plain Date gets a 400.
import { V1MicroTime } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { isConflict, type KubeClient, LEASES } from './kube-client.ts';
import type { Lease } from './kube-types.ts';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  onStartedLeading(): void;
  onStoppedLeading(): void;
}

const micro = (ms: number) => new V1MicroTime(ms).toISOString();

export class LeaderElector {
  private readonly client: KubeClient;
  private readonly o: LeaderElectionOptions;
  private readonly log: Logger;
  private leading = false;
  private stopped = false;
  private observedKey = '';
  private observedAt = 0;
  private lastLease: Lease | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private lastLeader = '';

  constructor(client: KubeClient, opts: LeaderElectionOptions, log: Logger) {
    this.client = client;
    this.o = opts;
    this.log = log.child({
      component: 'leader-election',
      lease: `${opts.namespace}/${opts.name}`,
      identity: opts.identity,
    });
  }

  isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    if (!this.loop) this.loop = this.run();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    // Acquire: poll every retryPeriod (jittered ×1.2 like client-go).
    while (!this.stopped && !this.leading) {
      if (await this.tryAcquireOrRenew()) break;
      await this.sleep(this.o.retryPeriodMs * (1 + Math.random() * 0.2));
    }
    if (this.stopped) return;
    this.leading = true;
    this.log.info('became leader');
    this.o.onStartedLeading();
    // Renew.
    let lastRenew = performance.now();
    while (!this.stopped) {
      await this.sleep(this.o.retryPeriodMs);
      if (this.stopped) break;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = performance.now();
        continue;
      }
      if (performance.now() - lastRenew > this.o.renewDeadlineMs) {
        this.log.error(
          { renewDeadlineMs: this.o.renewDeadlineMs },
          'failed to renew the lease in time: leadership lost',
        );
        this.leading = false;
        this.o.onStoppedLeading();
        return;
      }
    }
  }

  /** One client-go tryAcquireOrRenew round. Never throws. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.o;
    const nowMs = Date.now();
    const durationSeconds = Math.max(1, Math.round(this.o.leaseDurationMs / 1000));
    try {
      const lease = await this.client.get<Lease>(LEASES, namespace, name);
      if (!lease) {
        const created = await this.client.create<Lease>(LEASES, namespace, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: micro(nowMs),
            renewTime: micro(nowMs),
            leaseTransitions: 0,
          },
        });
        this.observe(created);
        return true;
      }
      this.observe(lease);
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      const recordDurationMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
      if (holder !== '' && holder !== identity && this.observedAt + recordDurationMs > performance.now()) {
        return false; // held by someone else and not expired (on our clock)
      }
      const mine = holder === identity;
      const next: Lease = {
        ...lease,
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds: durationSeconds,
          acquireTime: mine && spec.acquireTime ? spec.acquireTime : micro(nowMs),
          renewTime: micro(nowMs),
          leaseTransitions: mine ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
        },
      };
      const updated = await this.client.replace<Lease>(LEASES, namespace, name, next);
      this.observe(updated);
      return true;
    } catch (e) {
      if (isConflict(e)) this.log.debug('lease update conflict: another candidate won this round');
      else this.log.warn({ err: e }, 'lease get/update failed');
      return false;
    }
  }

  private observe(lease: Lease): void {
    const spec = lease.spec ?? {};
    const key = `${spec.holderIdentity ?? ''}|${spec.renewTime ?? ''}|${spec.leaseTransitions ?? 0}`;
    if (key !== this.observedKey) {
      this.observedKey = key;
      this.observedAt = performance.now();
    }
    this.lastLease = lease;
    const holder = spec.holderIdentity ?? '';
    if (holder !== this.lastLeader) {
      this.lastLeader = holder;
      if (holder) {
        this.log.info({ leader: holder }, 'new leader observed');
      }
    }
  }

  /**
   * Stops campaigning; if leading, releases the Lease so another replica takes over immediately.
   * `release: false` leaves the Lease as is (what a crashed replica does: the next leader waits leaseDuration).
   */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    if (!this.leading) return;
    this.leading = false;
    if (opts.release === false) return;
    const lease = this.lastLease;
    if (!lease || lease.spec?.holderIdentity !== this.o.identity) return;
    const nowMs = Date.now();
    try {
      await this.client.replace<Lease>(LEASES, this.o.namespace, this.o.name, {
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: '',
          leaseDurationSeconds: 1,
          renewTime: micro(nowMs),
          acquireTime: micro(nowMs),
        },
      });
      this.log.info('released the lease');
    } catch (e) {
      this.log.warn({ err: e }, 'could not release the lease (the next leader waits for it to expire)');
    }
  }
}
