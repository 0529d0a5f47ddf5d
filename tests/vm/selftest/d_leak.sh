# A test that passes its checks but leaves a process and a cgroup behind.
. /vm/lib.sh
sleep 600 &
mkdir $CG/selftest-leak
ok "fine"
finish
