#!/bin/bash
# Loading a kernel module: init_module and finit_module are kill actions.
. "$(dirname "$0")/escape.bash"
start_witnesses
for call in init_module finit_module delete_module; do
        attempt -- "$TRY" "$call" >/dev/null 2>&1
        assert_eq "$call: exit status" 159 $?
        assert_eq "$call: status" seccomp_violation "$(r status)"
        assert_eq "$call: named" "$call" "$(r seccomp_syscall)"
done
# insmod, as a user would try it, ends the same way.
mod=$(find /lib/modules -name '*.ko*' 2>/dev/null | head -1)
if [ -n "$mod" ] && command -v insmod >/dev/null; then
        attempt -- insmod "$mod" >/dev/null 2>&1
        assert_eq "insmod: status" seccomp_violation "$(r status)"
        assert_eq "insmod: named" finit_module "$(r seccomp_syscall)"
fi
check_untouched
finish
