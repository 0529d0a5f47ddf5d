# A test that outlives the whole guest bound (CORRAL_VM_TIMEOUT).
# vm-timeout: 600
. /vm/lib.sh
sleep 600
finish
