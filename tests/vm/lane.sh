#!/bin/bash
# tests/vm/lane.sh - the pure cgroup v2 lane: boots Debian's kernel under qemu
# with a cgroup2-only hierarchy (memory, cpu, pids enabled) and runs every guest
# test (tests/vm/guest/*.sh) inside it, in ONE boot.
#
#   tests/vm/lane.sh BUILD_DIR RESULT_DIR
#
# BUILD_DIR holds the corral binary and tests/progs/ (a cmake build directory).
# RESULT_DIR receives, for each guest test NAME:
#   NAME.log      what the test printed inside the guest
#   NAME.verdict  one line: "pass ...", "skip ...", or "fail <why>"
# plus console.log (the raw serial console) and kernel.log (the guest's dmesg).
#
# Exit status: 0 when the guest ran every test to its end (whatever the
# verdicts: tests/vm/verdict.sh turns each verdict into a ctest result), 1 when
# the lane itself failed (no kernel, qemu missing, the guest did not finish
# within CORRAL_VM_TIMEOUT seconds, ...): then every test that did not finish
# gets a "fail" verdict saying why, never a pass.
#
# Environment: CORRAL_VM_LAYOUT=hybrid boots the systemd-style v1/hybrid
# layout instead (v1 hierarchies with cpu and cpuacct mounted together, and a
# cgroup2 one on unified: init.sh), the layout most v1 hosts have and this
# build machine does not (its cpu and cpuacct are mounted apart);
# CORRAL_VM_TIMEOUT (seconds, default 170) bounds the whole guest;
# CORRAL_VM_KERNEL names a vmlinuz to boot instead of the newest /boot/vmlinuz-*;
# CORRAL_VM_TESTS="name1 name2" runs only those guest tests (for development:
# ctest then finds no verdict for the others and fails them);
# CORRAL_VM_GUEST_DIR takes the guest tests from another directory (the
# lane's own self-test, tests/vm/selftest.sh, uses it).
set -euo pipefail

die() {
        echo "vm lane: $*" >&2
        exit 1
}

[ $# -eq 2 ] || die "usage: lane.sh BUILD_DIR RESULT_DIR"
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "$1" && pwd) || die "no build directory '$1'"
results=$2
guest_bound=${CORRAL_VM_TIMEOUT:-170}
case ${CORRAL_VM_LAYOUT:-v2} in
v2) cgroup_args="cgroup_no_v1=all" ;;
hybrid) cgroup_args="corral.layout=hybrid" ;;
*) die "CORRAL_VM_LAYOUT must be v2 or hybrid, not '$CORRAL_VM_LAYOUT'" ;;
esac
guest_dir=${CORRAL_VM_GUEST_DIR:-$here/guest}

# --- what the lane needs on the host ------------------------------------------
need_deps() {
        for tool in qemu-system-x86_64 cpio xz busybox strace; do
                command -v "$tool" >/dev/null 2>&1 || return 0
        done
        compgen -G '/boot/vmlinuz-*' >/dev/null || return 0
        return 1
}
if need_deps; then
        echo "vm lane: installing the lane's packages (contrib/install-deps.sh vm)"
        "$src/contrib/install-deps.sh" vm || die "cannot install the lane's packages; run: contrib/install-deps.sh vm (as root)"
fi
busybox=$(command -v busybox)
if ldd "$busybox" >/dev/null 2>&1; then
        die "$busybox is dynamically linked; the guest needs busybox-static (apt-get install busybox-static)"
fi
[ -x "$build/corral" ] || die "no corral binary in $build (build first: cmake --build $build)"
[ -d "$build/tests/progs" ] || die "no test programs in $build/tests/progs (build first)"

mkdir -p "$results"
rm -f "$results"/*.log "$results"/*.verdict
# The extracted kernel is cached per build directory; everything else is
# private to this run (two lanes may run at once: ctest -j, the self-test).
cache="$build/tests/vm/kernel"
mkdir -p "$cache"
work=$(mktemp -d "$build/tests/vm/run.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- the kernel: Debian's, uncompressed -----------------------------------------
# qemu boots an ELF vmlinux through its PVH entry point; decompressing the
# bzImage under TCG would cost seconds at every boot.  The bzImage's payload is
# an xz stream: find its magic and decompress from there, as the kernel tree's
# scripts/extract-vmlinux does (xz complains about the bytes after the stream;
# the output is right when it is an ELF file).
if [ -n "${CORRAL_VM_KERNEL:-}" ]; then
        vmlinuz=$CORRAL_VM_KERNEL
else
        vmlinuz=$(printf '%s\n' /boot/vmlinuz-* | sort -V | tail -n 1)
fi
[ -r "$vmlinuz" ] || die "cannot read kernel '$vmlinuz' (apt-get install linux-image-amd64)"
kver=${vmlinuz##*/vmlinuz-}
vmlinux="$cache/vmlinux-$kver"
is_elf() { [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }
if [ ! -s "$vmlinux" ] || [ "$vmlinuz" -nt "$vmlinux" ]; then
        tmp="$vmlinux.tmp.$$"
        found=""
        for off in $(LC_ALL=C grep -obUaP '\xFD7zXZ\x00' "$vmlinuz" | cut -d: -f1); do
                tail -c +$((off + 1)) "$vmlinuz" | xz -dc >"$tmp" 2>/dev/null || true
                if is_elf "$tmp"; then
                        found=$off
                        break
                fi
        done
        [ -n "$found" ] || { rm -f "$tmp"; die "no xz-compressed ELF kernel found in $vmlinuz"; }
        mv "$tmp" "$vmlinux"
fi

# --- the initramfs ----------------------------------------------------------------
# Layout inside the guest:
#   /init                 tests/vm/init.sh (busybox sh, PID 1)
#   /bin/busybox          static; /init installs the applet links at boot
#   /usr/local/bin/corral the binary under test
#   <prefix>/share/corral/policies/  the seccomp policies
#   /usr/bin/strace       to show which system calls corral makes (clone3)
#   /progs/*              the test programs
#   /vm/lib.sh            tests/vm/guestlib.sh, sourced by every guest test
#   /vm/tests/*.sh        the guest tests
#   /lib*/...             the shared libraries the binaries need, and ld-linux
root="$work/root"
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,work,etc,usr/bin,usr/local/bin,progs,vm/tests}
cp "$busybox" "$root/bin/busybox"
cp "$here/init.sh" "$root/init"
cp "$here/guestlib.sh" "$root/vm/lib.sh"
cp "$build/corral" "$root/usr/local/bin/corral"
# The seccomp policies, where an installed corral looks for them (the source tree
# it falls back to is hidden by the guest's tmpfs on /work).
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt" 2>/dev/null)
mkdir -p "$root${prefix:-/usr/local}/share/corral/policies"
cp "$here/../../policies/"*.policy "$root${prefix:-/usr/local}/share/corral/policies/"
bins=("$build/corral")
strace=$(command -v strace) || die "strace is missing (apt-get install strace)"
cp "$strace" "$root/usr/bin/strace"
bins+=("$strace")
for p in "$build"/tests/progs/*; do
        [ -f "$p" ] && [ -x "$p" ] || continue
        cp "$p" "$root/progs/"
        bins+=("$p")
done
names=()
for t in "$guest_dir"/*.sh; do
        [ -f "$t" ] || continue
        n=${t##*/}
        n=${n%.sh}
        if [ -n "${CORRAL_VM_TESTS:-}" ]; then
                case " $CORRAL_VM_TESTS " in *" $n "*) ;; *) continue ;; esac
        fi
        cp "$t" "$root/vm/tests/"
        names+=("$n")
done
[ ${#names[@]} -gt 0 ] || die "no guest tests in $guest_dir"
# Shared libraries, at the paths the loader looks for them (ldd prints both the
# "lib => /path" lines and the loader's own absolute path).
for b in "${bins[@]}"; do
        { ldd "$b" 2>/dev/null || true; } | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p'
done | sort -u | while read -r lib; do
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
done
printf 'root:x:0:0:root:/root:/bin/sh\ncorraluser:x:1000:1000:corral delegated user:/tmp:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\ncorraluser:x:1000:\n' >"$root/etc/group"
chmod 755 "$root/init" "$root/usr/local/bin/corral" "$root"/progs/* 2>/dev/null || true
chmod 644 "$root"/vm/lib.sh "$root"/vm/tests/*.sh
chmod 1777 "$root/tmp" "$root/work"
initrd="$work/initramfs.cpio"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$initrd"

# --- boot once, run everything ----------------------------------------------------
# The recipe in the brief: TCG only (the host's KVM is a paravirtual variant
# that does not work), -machine pc (microvm hangs about one boot in five).
console="$results/console.log"
echo "vm lane: kernel $kver, cgroup layout ${CORRAL_VM_LAYOUT:-v2}, $(du -k "$initrd" | cut -f1) KiB initramfs, ${#names[@]} guest tests, bound ${guest_bound}s"
start=$(date +%s.%N)
set +e
timeout -k 5 "$guest_bound" qemu-system-x86_64 \
        -accel tcg -cpu max -machine pc -m 512M -smp 2 \
        -nodefaults -nographic -serial stdio -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -kernel "$vmlinux" -initrd "$initrd" \
        -append "console=ttyS0 quiet panic=-1 $cgroup_args cryptomgr.notests" \
        </dev/null 2>"$results/qemu.err" | tr -d '\r' >"$console"
qemu_rc=${PIPESTATUS[0]}
set -e
elapsed=$(echo "$(date +%s.%N) $start" | awk '{printf "%.1f", $1 - $2}')

# --- bring the verdicts back -------------------------------------------------------
# The guest frames each test on the console (see init.sh):
#   @@VM START name / @@VM OUTPUT name / ...output... / @@VM END name verdict...
# then @@VM DONE, then @@VM KERNEL-LOG and the guest's dmesg.
awk -v dir="$results" '
        function marker() { i = index($0, "@@VM "); return i ? substr($0, i + 5) : "" }
        {
                m = marker()
                if (m == "") {
                        if (out != "") print > out
                        else if (klog) print > (dir "/kernel.log")
                        next
                }
                n = split(m, f, " ")
                if (f[1] == "BOOTED") print "vm lane: guest booted, uptime " f[2] "s"
                else if (f[1] == "START") print "vm lane: " f[2] " ..."
                else if (f[1] == "OUTPUT") { out = dir "/" f[2] ".log"; printf "" > out }
                else if (f[1] == "END") {
                        if (out != "") close(out)
                        out = ""
                        v = substr(m, length(f[1]) + length(f[2]) + 3)
                        print v > (dir "/" f[2] ".verdict"); close(dir "/" f[2] ".verdict")
                        print "vm lane: " f[2] ": " v
                }
                else if (f[1] == "DONE") print "@@DONE"
                else if (f[1] == "KERNEL-LOG") { klog = 1; printf "" > (dir "/kernel.log") }
        }' "$console" | {
        done=0
        while IFS= read -r line; do
                if [ "$line" = "@@DONE" ]; then done=1; else echo "$line"; fi
        done
        echo "$done" >"$work/done"
}
guest_done=$(cat "$work/done")

# A test without a verdict did not finish: say why, never leave it looking
# like it passed.
lane_ok=1
[ "$guest_done" = 1 ] || lane_ok=0
running=$(sed -n 's/.*@@VM START \([^ ]*\).*/\1/p' "$console" | tail -n 1)
for n in "${names[@]}"; do
        [ -f "$results/$n.verdict" ] && continue
        lane_ok=0
        if [ "$n" = "$running" ]; then
                echo "fail: the guest stopped while this test ran (qemu exit $qemu_rc after ${elapsed}s; see console.log)" >"$results/$n.verdict"
                { echo "--- last lines of the guest console:"; tail -n 40 "$console"; } >"$results/$n.log"
        else
                echo "fail: did not run (the guest stopped before reaching it)" >"$results/$n.verdict"
                : >"$results/$n.log"
        fi
done

echo "vm lane: qemu exit $qemu_rc, ${elapsed}s for boot + ${#names[@]} tests; results in $results"
if [ "$lane_ok" != 1 ]; then
        if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
                echo "vm lane: FAILED: the guest did not finish within ${guest_bound}s (CORRAL_VM_TIMEOUT); qemu was killed" >&2
        else
                echo "vm lane: FAILED: the guest stopped before running every test (qemu exit $qemu_rc)" >&2
        fi
        echo "--- qemu stderr:" >&2
        cat "$results/qemu.err" >&2
        echo "--- last lines of the guest console:" >&2
        tail -n 30 "$console" >&2
        exit 1
fi
exit 0
