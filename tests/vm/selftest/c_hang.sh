# A test that never ends, under a 2 s bound.
# vm-timeout: 2
. /vm/lib.sh
ok "started"
sleep 600
finish
