#!/bin/bash
# mount, umount2, pivot_root and the new mount API: EPERM from the policy.
. "$(dirname "$0")/escape.bash"
start_witnesses
out=$(attempt -- "$TRY" mount umount2 pivot_root 2>/dev/null)
assert_eq "mount family answered EPERM" \
        "mount errno=EPERM umount2 errno=EPERM pivot_root errno=EPERM" "$(echo $out)"
assert_eq "denials counted" "mount=1 umount2=1 pivot_root=1" "$(denials)"
# A real mount as a shell would try it.
attempt -- sh -c 'mount -t tmpfs none "$PWD" 2>&1; exit 0' >"$TEST_TMP/out" 2>&1
grep -q "mount" "$TEST_TMP/out" && ok "mount(8) refused: $(head -1 "$TEST_TMP/out")" ||
        not_ok "mount(8): $(cat "$TEST_TMP/out")"
assert_eq "mount(8)'s call counted" "mount=1" "$(denials)"
if findmnt -n -t tmpfs "$TEST_TMP" >/dev/null; then not_ok "a tmpfs appeared on the host"; else ok "no mount on the host"; fi
check_untouched
finish
