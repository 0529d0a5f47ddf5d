# A test that passes.
. /vm/lib.sh
ok "fine"
finish
