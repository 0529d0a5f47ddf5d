#!/bin/bash
# tests/package/package.sh - the Debian package as an operator gets it.
#
# Builds corral_*.deb from a copy of the tree (dpkg-buildpackage), runs lintian
# (no error or warning may appear; the overrides in debian/ are justified
# there), installs it with dpkg, checks every file lands where it belongs (the
# binary, policies, man pages that man(1) finds, bash completion that bash
# loads, /etc/corral/corral.conf as a conffile, the examples), runs `corral
# doctor` and one sandboxed job from /usr/bin/corral, reinstalls it (an
# upgrade in place), purges it, and asserts nothing is left: no file, no
# directory, no user or group, no cgroup.
#
# It installs into the real system, so it refuses to run when corral is
# already installed or /etc/corral or /var/lib/corral exist (they would be
# someone else's), takes a lock so two runs never overlap, and purges in a
# trap whatever happens.  Runs on the source tree as it is (committed or not).
set -u
: "${CORRAL_SRC:?CORRAL_SRC must name the source tree (ctest sets it)}"
TMP=$(mktemp -d /tmp/corral-package.XXXXXX)
# Jobs run as uids of their own and must reach their work directory in the
# store below it: traversable, not listable (as the store's own directories).
chmod 0711 "$TMP"
# Every tool's own temporary files (lintian leaves /tmp/mldbm-elf-* behind)
# go below $TMP, which cleanup removes.
mkdir "$TMP/tmp"
export TMPDIR=$TMP/tmp
FAILS=0
CHECKS=0
ok() { CHECKS=$((CHECKS + 1)); echo "ok - $*"; }
not_ok() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "not ok - $*"; }
assert_eq() { if [ "$2" = "$3" ]; then ok "$1: $3"; else not_ok "$1: expected '$2', got '$3'"; fi; }
INSTALLED=0
PARENT=corral-pkgtest-$$
cleanup() {
        if [ "$INSTALLED" = 1 ]; then
                DEBIAN_FRONTEND=noninteractive dpkg --purge corral >/dev/null 2>&1
        fi
        for g in /sys/fs/cgroup/*/"$PARENT" /sys/fs/cgroup/"$PARENT"; do
                [ -d "$g" ] && rmdir "$g"/*/ "$g" 2>/dev/null
        done
        rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for tool in dpkg-buildpackage dh lintian fakeroot; do
        command -v "$tool" >/dev/null || { echo "missing $tool: contrib/install-deps.sh package" >&2; exit 1; }
done
# Two package tests (two work trees) must not overlap: they hold an flock on
# the package database's directory (dpkg itself locks files inside it, never
# the directory), which leaves no lock file behind.
exec 9</var/lib/dpkg
flock -w 600 9 || { echo "another package test holds the lock" >&2; exit 1; }
if dpkg-query -W -f='${Status}' corral 2>/dev/null | grep -q installed; then
        echo "corral is installed on this machine already: not touching it" >&2
        exit 1
fi
for d in /etc/corral /var/lib/corral; do
        [ -e "$d" ] && { echo "$d exists: it is not this test's to remove" >&2; exit 1; }
done

# What exists before, to compare after the purge.
snapshot() {
        find /usr /etc /var/lib /lib -xdev \( -path /var/lib/dpkg -o -path /var/lib/apt \
                -o -path /var/lib/ucf -o -path /usr/share/info/dir -o -path /var/lib/systemd \) -prune \
                -o -print 2>/dev/null | sort
        getent passwd | cut -d: -f1 | sed 's/^/user:/'
        getent group | cut -d: -f1 | sed 's/^/group:/'
}

# Build from a copy: dpkg-buildpackage writes into the tree and beside it.
src=$TMP/src/corral
mkdir -p "$src"
(cd "$CORRAL_SRC" && git ls-files -z --cached --others --exclude-standard |
        grep -zv '^build' | xargs -0 cp --parents -t "$src" 2>/dev/null) ||
        { not_ok "copy the tree"; exit 1; }
if (cd "$src" && dpkg-buildpackage -b -us -uc -j"$(nproc)" >"$TMP/build.log" 2>&1); then
        ok "dpkg-buildpackage builds the package"
else
        not_ok "dpkg-buildpackage failed: $(tail -20 "$TMP/build.log")"
        echo "$((CHECKS - FAILS)) passed, $FAILS failed"
        exit 1
fi
deb=$(ls "$TMP"/src/corral_*.deb)
# Compiler, linker and debhelper warnings.  Not CMake's note that debhelper
# passes variables this project does not use (every cmake package gets it).
grep -i 'warning' "$TMP/build.log" | grep -vx 'CMake Warning:' | head -5 >"$TMP/warnings"
if [ -s "$TMP/warnings" ]; then not_ok "build warnings: $(cat "$TMP/warnings")"; else ok "the build prints no warning"; fi
# Everything lintian can say, pedantic and informational tags too; the only
# override (debian/corral.lintian-overrides) says why.
lintian -I --pedantic --fail-on error,warning,info,pedantic "$deb" >"$TMP/lintian" 2>&1
if [ $? -eq 0 ] && ! grep -q '^[EWIP]:' "$TMP/lintian"; then
        ok "lintian: no tag (errors, warnings, info, pedantic) but the justified override"
else
        not_ok "lintian: $(cat "$TMP/lintian")"
fi

# `cmake --install` lays out the same files as the package (the package adds
# Debian's copyright and changelog, and compresses man pages and changelogs).
DESTDIR=$TMP/inst cmake --install "$(ls -d "$src"/obj-*)" --prefix /usr >/dev/null 2>&1
(cd "$TMP/inst" && find . -type f | sed 's|^\.||' | sort) >"$TMP/cmake.files"
# (the package adds Debian's own: copyright, changelog, lintian overrides)
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\.||; s|\.gz$||' |
        grep -v '^/usr/share/doc/corral/\(copyright\|changelog\)\|^/usr/share/lintian/overrides/' |
        sort >"$TMP/deb.files"
if [ -s "$TMP/cmake.files" ] && diff "$TMP/cmake.files" "$TMP/deb.files" >"$TMP/files.diff"; then
        ok "cmake --install lays out the package's $(wc -l <"$TMP/deb.files") files"
else
        not_ok "cmake --install and the package differ: $(tr '\n' ' ' <"$TMP/files.diff")"
fi

snapshot >"$TMP/before"
INSTALLED=1
if DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" >"$TMP/install.log" 2>&1; then ok "dpkg -i installs it"; else not_ok "dpkg -i: $(cat "$TMP/install.log")"; fi

# Files where they belong.
for f in /usr/bin/corral /lib/systemd/system/corral.service /lib/systemd/system/corral.socket \
        /usr/lib/tmpfiles.d/corral.conf /usr/share/corral/policies/default.policy /usr/share/corral/policies/strict.policy \
        /usr/share/man/man1/corral.1.gz /usr/share/man/man5/corral-policy.5.gz /usr/share/man/man5/corral.conf.5.gz \
        /usr/share/bash-completion/completions/corral /etc/corral/corral.conf \
        /usr/share/doc/corral/examples/example-catalog.json /usr/share/doc/corral/examples/claude_desktop_config.json \
        /usr/share/doc/corral/copyright; do
        if [ -f "$f" ]; then ok "installed: $f"; else not_ok "missing: $f"; fi
done
grep -qx /etc/corral/corral.conf <(dpkg-query -W -f='${Conffiles}\n' corral | awk '{print $1}') &&
        ok "/etc/corral/corral.conf is a conffile" || not_ok "/etc/corral/corral.conf is not a conffile"
for page in corral corral-policy corral.conf; do
        if man -w "$page" >/dev/null 2>&1 && [ -n "$(MANWIDTH=80 man "$page" 2>/dev/null | head -5)" ]; then
                ok "man $page: $(man -w "$page")"
        else
                not_ok "man $page is not found or empty"
        fi
done
comp=$(bash -c '. /usr/share/bash-completion/completions/corral; COMP_WORDS=(corral met); COMP_CWORD=1; _corral; echo "${COMPREPLY[*]}"' 2>&1)
assert_eq "bash completion completes a command" metrics "$comp"
comp=$(bash -c '. /usr/share/bash-completion/completions/corral; COMP_WORDS=(corral wait --time); COMP_CWORD=2; _corral; echo "${COMPREPLY[*]}"' 2>&1)
assert_eq "bash completion completes an option" --timeout "$comp"

# The installed copy works: it reads the shipped configuration (all commented),
# finds the shipped policies, and runs a sandboxed job.
export CORRAL_CGROUP_PARENT=$PARENT
if /usr/bin/corral doctor >"$TMP/doctor" 2>&1; then ok "corral doctor from /usr/bin/corral"; else not_ok "corral doctor: $(cat "$TMP/doctor")"; fi
assert_eq "installed version" "corral 0.1.0" "$(/usr/bin/corral --version)"
state=$TMP/state
/usr/bin/corral --state-dir "$state" run --memory 32M --policy strict --result "$TMP/r.json" -- \
        /bin/sh -c 'id -u; exec true' >"$TMP/run.out" 2>"$TMP/run.err"
assert_eq "a sandboxed job: exit status" 0 "$?"
uid=$(cat "$TMP/run.out")
[ "${uid:-0}" -ge 60000 ] 2>/dev/null && ok "the job ran as an unprivileged uid ($uid)" || not_ok "job uid '$uid'"
id=$(/usr/bin/corral --state-dir "$state" submit --memory 32M -- "${CORRAL_PROGS:-/nonexistent}/memhog" 200 2>/dev/null)
/usr/bin/corral --state-dir "$state" wait --timeout 60s "$id" >/dev/null 2>&1
assert_eq "a background job OOM-killed under the installed binary" 137 "$?"
rm -rf "$state"

# Upgrade in place (same version reinstalled: the maintainer scripts run as on an upgrade).
echo "# edited by the operator" >>/etc/corral/corral.conf
if DEBIAN_FRONTEND=noninteractive dpkg -i --force-confold "$deb" >"$TMP/upgrade.log" 2>&1; then ok "reinstall/upgrade"; else not_ok "upgrade: $(cat "$TMP/upgrade.log")"; fi
grep -q "edited by the operator" /etc/corral/corral.conf && ok "the operator's configuration is kept" || not_ok "configuration replaced"

# Remove, then purge: nothing left.
DEBIAN_FRONTEND=noninteractive dpkg --remove corral >/dev/null 2>&1 && ok "dpkg --remove" || not_ok "dpkg --remove"
[ -e /usr/bin/corral ] && not_ok "binary left after remove" || ok "binary gone after remove"
[ -f /etc/corral/corral.conf ] && ok "configuration kept after remove (until purge)" || not_ok "configuration gone at remove"
if DEBIAN_FRONTEND=noninteractive dpkg --purge corral >"$TMP/purge.log" 2>&1; then ok "dpkg --purge"; INSTALLED=0; else not_ok "purge: $(cat "$TMP/purge.log")"; fi
snapshot >"$TMP/after"
left=$(comm -13 "$TMP/before" "$TMP/after" | grep -v "^$TMP" | head -20)
if [ -z "$left" ]; then ok "nothing left after purge (files, directories, users, groups)"; else not_ok "left after purge: $left"; fi
# /var/lib/corral: created by any root corral on this shared machine while we
# ran (it did not exist when we started); purge removes it when it holds no job.
gone=$(comm -23 "$TMP/before" "$TMP/after" | grep -v "^$TMP" | grep -v '^/var/lib/corral' | head -20)
[ -z "$gone" ] && ok "nothing of the system removed" || not_ok "removed by the package: $gone"
dpkg-query -W corral >/dev/null 2>&1 && not_ok "dpkg still knows corral" || ok "dpkg no longer knows corral"
# corral keeps its parent group (as a slice stays); no job's group may remain.
left=$(find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -type d -path "*/$PARENT/*" 2>/dev/null)
[ -z "$left" ] && ok "no job cgroup left" || not_ok "job cgroups left: $left"

echo "$((CHECKS - FAILS)) passed, $FAILS failed"
[ "$FAILS" -eq 0 ] && [ "$CHECKS" -gt 0 ]
