#!/bin/sh
# Installs the Debian 12 packages corral needs to build and test; installs only
# what is missing, so it is cheap to run every time.  Needs root.
#   contrib/install-deps.sh            build + unit/integration tests
#   contrib/install-deps.sh vm         + the VM lanes: pure cgroup v2, v1/hybrid (qemu, kernel)
#   contrib/install-deps.sh bench      + the programs benchmarks compare against
#   contrib/install-deps.sh slurm      + a single-node Slurm cluster (tests/slurm)
#   contrib/install-deps.sh package    + building, checking and installing the .deb,
#                                        promtool, and tmux for the terminal tests
#   contrib/install-deps.sh browser    + Chromium for the MCP App test (mcp/app)
set -eu
pkgs="build-essential cmake pkg-config libseccomp-dev libcjson-dev libcap-dev
      libcgroup-dev libsystemd-dev libsqlite3-dev libcmocka-dev clang clang-format libclang-rt-14-dev python3
      systemd dbus-daemon scdoc binutils dpkg-dev uidmap acl strace procps"
# systemd and dbus-daemon: rootless/user_scope starts a user manager on a
# private session bus.  uidmap (newuidmap, newgidmap): an ordinary user's
# subordinate ids (rootless/subids, rootless/subid_jobs); acl: getfacl
# shows the ACLs rootless/subid_jobs checks.  strace: integration/run_oom_slow_parent
# holds corral so the job's OOM kill comes before corral runs again.  procps
# (pgrep): tests/lib.sh finds its own supervisors by command line.  The MCP
# client tests need Node.js and npm; the machine image ships both.
command -v node >/dev/null 2>&1 || pkgs="$pkgs nodejs"
command -v npm >/dev/null 2>&1 || pkgs="$pkgs npm"
for extra in "$@"; do
        case "$extra" in
        vm) pkgs="$pkgs qemu-system-x86 linux-image-amd64 busybox-static cpio xz-utils" ;;
        bench) pkgs="$pkgs bubblewrap firejail hyperfine time" ;;
        slurm) pkgs="$pkgs slurm-wlm munge util-linux" ;;
        # prometheus: only for promtool (Debian ships no smaller package with
        # it); where systemd runs, its server starts too: `systemctl disable
        # --now prometheus` if it is not wanted.
        package) pkgs="$pkgs debhelper fakeroot lintian prometheus tmux" ;;
        browser) pkgs="$pkgs chromium tmux" ;;
        *) echo "install-deps.sh: unknown group '$extra' (allowed: vm, bench, slurm, package, browser)" >&2; exit 2 ;;
        esac
done
missing=""
for p in $pkgs; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
                missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
        echo "install-deps.sh: missing packages:$missing; run as root to install them" >&2
        exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
