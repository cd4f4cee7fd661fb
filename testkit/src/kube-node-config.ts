// The configuration files of a single test node (pure functions; testkit/src/kube-node.ts writes and runs them).
// Every path is inside the node's own temp dir, every listener on loopback, and nothing touches the host's network:
//   containerd: own root/state/socket, runc with its own state root, cgroupfs (no systemd here), overlayfs,
//     oom_score_adj clamped (no CAP_SYS_RESOURCE in this sandbox);
//     CNI = one loopback-only network, which only exists so that the CRI reports NetworkReady (the kubelet keeps
//     a node NotReady without a CNI config). There is no pod network: only hostNetwork pods run on this node.
//   kubelet: node name = its IP 127.0.0.1 (--hostname-override; the kubelet refuses a loopback --node-ip but takes
//     an IP-valued hostname as the node's InternalIP unvalidated), so hostNetwork pods get podIP 127.0.0.1;
//     cgroupfs driver under a cgroup root of its own, cgroup v1 allowed (failCgroupV1: false: this sandbox has a
//     v1 hierarchy), no iptables chains, no image GC, eviction only at the last 1 % of disk.

export interface ContainerdConfigInput {
  root: string;
  state: string;
  socket: string;
  runcRoot: string;
  cniConfDir: string;
  cniBinDir: string;
  sandboxImage: string;
  optDir: string;
}

function tomlString(s: string): string {
  return JSON.stringify(s); // TOML basic strings share JSON's escapes for what paths contain
}

/** containerd 1.6 config (version 2 schema). */
export function containerdConfig(c: ContainerdConfigInput): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = ${tomlString(c.root)}
state = ${tomlString(c.state)}
# Snapshotters this host cannot run are disabled so that containerd does not log their probes as errors.
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]

[grpc]
  address = ${tomlString(c.socket)}

[ttrpc]
  address = ""

[debug]
  address = ""
  level = "info"

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = ${tomlString(c.optDir)}

[${cri}]
  sandbox_image = ${tomlString(c.sandboxImage)}
  # exec/attach/port-forward streams: loopback, a free port
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_apparmor = true
  disable_hugetlb_controller = true
  # This sandbox's bounding set lacks CAP_SYS_RESOURCE, so no process may lower its oom_score_adj: the kubelet's
  # -998 for pod sandboxes makes runc fail ("can't get final child's PID from pipe: EOF"). Clamp to containerd's.
  restrict_oom_score_adj = true
  enable_selinux = false

[${cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[${cri}.containerd.runtimes.runc.options]
  SystemdCgroup = false
  BinaryName = "runc"
  Root = ${tomlString(c.runcRoot)}

[${cri}.cni]
  bin_dir = ${tomlString(c.cniBinDir)}
  conf_dir = ${tomlString(c.cniConfDir)}
  max_conf_num = 1
`;
}

/** The one CNI network: loopback only (no bridge, no address range; see the file comment). */
export function loopbackCniConfig(): string {
  return `${JSON.stringify({ cniVersion: '1.0.0', name: 'lkb-loopback', plugins: [{ type: 'loopback' }] }, null, 2)}\n`;
}

export interface KubeletConfigInput {
  port: number;
  healthzPort: number;
  clientCaFile: string;
  containerdSocket: string;
  podLogsDir: string;
  cgroupRoot: string;
  maxPods?: number;
}

/** KubeletConfiguration (kubelet.config.k8s.io/v1beta1) as JSON (which is YAML). */
export function kubeletConfig(c: KubeletConfigInput): string {
  const endpoint = `unix://${c.containerdSocket}`;
  const config = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: '127.0.0.1',
    port: c.port,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: c.healthzPort,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: c.clientCaFile },
    },
    authorization: { mode: 'Webhook' },
    containerRuntimeEndpoint: endpoint,
    imageServiceEndpoint: endpoint,
    // containerd 1.6 does not implement the CRI RuntimeConfig call: the kubelet then uses this setting.
    cgroupDriver: 'cgroupfs',
    cgroupRoot: c.cgroupRoot,
    cgroupsPerQOS: true,
    enforceNodeAllocatable: ['pods'],
    failCgroupV1: false,
    failSwapOn: false,
    makeIPTablesUtilChains: false,
    podLogsDir: c.podLogsDir,
    maxPods: c.maxPods ?? 16,
    registerNode: true,
    rotateCertificates: false,
    serverTLSBootstrap: false,
    serializeImagePulls: false,
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: {
      'memory.available': '100Mi',
      'nodefs.available': '1%',
      'nodefs.inodesFree': '1%',
      'imagefs.available': '1%',
    },
    resolvConf: '/etc/resolv.conf',
    clusterDomain: 'cluster.local',
    shutdownGracePeriod: '0s',
    shutdownGracePeriodCriticalPods: '0s',
    // a busy shared machine: report status often enough for quick tests, not so often it adds load
    nodeStatusUpdateFrequency: '5s',
    syncFrequency: '10s',
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
