# A test that skips itself.
. /vm/lib.sh
exit 77
