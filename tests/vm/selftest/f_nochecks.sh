# A test that makes no check at all.
. /vm/lib.sh
finish
