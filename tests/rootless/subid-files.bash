# subid-files.bash, sourced by the tests that add subordinate ranges: saves
# /etc/subuid and /etc/subgid as they are (or that they are absent) and
# defines restore, which puts them back byte for byte.  The caller's trap
# calls restore, so the files come back even when the test fails.
BK=$TEST_TMP/etc-backup
mkdir -p "$BK"
had_uid=0 had_gid=0
[ -e /etc/subuid ] && { cp -p /etc/subuid "$BK/subuid"; had_uid=1; }
[ -e /etc/subgid ] && { cp -p /etc/subgid "$BK/subgid"; had_gid=1; }
restore() {
        if [ $had_uid = 1 ]; then cp -p "$BK/subuid" /etc/subuid; else rm -f /etc/subuid; fi
        if [ $had_gid = 1 ]; then cp -p "$BK/subgid" /etc/subgid; else rm -f /etc/subgid; fi
}
