// Command seccomp prints the seccomp profile for lkbrowser's runtime pods (OCI LinuxSeccomp JSON, the format of a
// Kubernetes `Localhost` profile on containerd and CRI-O): containerd's RuntimeDefault profile for a container with
// every capability dropped (what a runtime pod gets), plus exactly what Chromium's namespace sandbox needs:
//
//   - clone with CLONE_NEWUSER, CLONE_NEWPID and CLONE_NEWNET (the zygote and its renderers start in a new user,
//     pid and net namespace); every other namespace flag stays refused, as in the default;
//   - unshare with only those three flags (the engine host's probe makes the same calls before it decides);
//   - chroot (inside its user namespace Chromium chroots to an empty /proc/self/fdinfo dir; without CAP_SYS_CHROOT
//     in the container's own namespace the kernel still refuses it there).
//
// The default profile is containerd's own code at the version scripts/tools/versions.env pins (the build in
// scripts/tools/seccomp-profile.sh requires it by module path); nothing of it is copied into this repository.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"

	"github.com/containerd/containerd/contrib/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

const (
	// Namespaces Chromium's sandbox creates.
	sandboxNamespaces = unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET
	// Namespaces that stay refused without CAP_SYS_ADMIN, as in the default profile.
	otherNamespaces = unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWCGROUP
)

func main() {
	// A runtime pod drops every capability, so the default profile is generated for an empty capability set (as
	// containerd does for such a container under RuntimeDefault).
	spec := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{}}}
	p := seccomp.DefaultProfile(spec)
	// clone's flags are its first argument, except on s390/s390x (second), as in the default profile.
	cloneFlags := uint(0)
	if runtime.GOARCH == "s390" || runtime.GOARCH == "s390x" {
		cloneFlags = 1
	}
	p.Syscalls = append(p.Syscalls,
		specs.LinuxSyscall{
			Names:  []string{"clone"},
			Action: specs.ActAllow,
			Args:   []specs.LinuxSeccompArg{{Index: cloneFlags, Value: otherNamespaces, ValueTwo: 0, Op: specs.OpMaskedEqual}},
		},
		specs.LinuxSyscall{
			Names:  []string{"unshare"},
			Action: specs.ActAllow,
			// Any subset of the three: no bit outside them may be set.
			Args: []specs.LinuxSeccompArg{{Index: 0, Value: ^uint64(sandboxNamespaces), ValueTwo: 0, Op: specs.OpMaskedEqual}},
		},
		specs.LinuxSyscall{Names: []string{"chroot"}, Action: specs.ActAllow},
	)
	out, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Stdout.Write(append(out, '\n'))
}
