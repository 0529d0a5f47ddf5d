# A test with a failing check.
. /vm/lib.sh
assert_eq "one is two" 1 2
finish
