# A test the guest never reaches.
. /vm/lib.sh
ok "fine"
finish
