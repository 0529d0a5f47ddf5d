#!/bin/bash
# corral(1) and the binary's --help agree: every command `corral --help` lists
# has a "## corral NAME" section in man/corral.1.scd and no section names a
# command the binary does not have; each command's options (--flag) in
# `corral NAME --help` and in its man section are the same set; the global
# options likewise.  An option missing from either side fails.  The pages must
# also build with scdoc (CMake builds them; this checks the sources too), and
# the bash completion offers each command's options.
set -u
: "${CORRAL:?}" "${CORRAL_SRC:?}"
MAN=$CORRAL_SRC/man/corral.1.scd
TMP=$(mktemp -d /tmp/corral-manpages.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fails=0
checks=0
ok() { checks=$((checks + 1)); echo "ok - $*"; }
not_ok() { checks=$((checks + 1)); fails=$((fails + 1)); echo "not ok - $*"; }

command -v scdoc >/dev/null || { echo "scdoc missing: contrib/install-deps.sh" >&2; exit 1; }
for page in "$CORRAL_SRC"/man/*.scd; do
        if scdoc <"$page" >"$TMP/out" 2>"$TMP/err"; then ok "$(basename "$page") builds"; else not_ok "$(basename "$page"): $(cat "$TMP/err")"; fi
done

# options FILE: the long options named in FILE, one per line, sorted (--help excluded).
options() { grep -o -- '--[a-z][a-z0-9-]*' "$1" | grep -vx -- '--help' | sort -u; }
# section NAME: the text of "## corral NAME" up to the next heading.
section() { awk -v h="## corral $1" '$0 ~ /^#/ { on = (index($0, h) == 1 && (length($0) == length(h) || substr($0, length(h) + 1, 1) == " ")) ; next } on' "$MAN"; }
compare() { # WHAT HELP-FILE MAN-FILE
        options "$2" >"$TMP/h"
        options "$3" >"$TMP/m"
        local only_help only_man
        only_help=$(comm -23 "$TMP/h" "$TMP/m" | tr '\n' ' ')
        only_man=$(comm -13 "$TMP/h" "$TMP/m" | tr '\n' ' ')
        if [ -z "$only_help$only_man" ]; then
                ok "$1: $(wc -l <"$TMP/h") options in both"
        else
                not_ok "$1: only in --help: [${only_help}] only in the man page: [${only_man}]"
        fi
}

"$CORRAL" --help >"$TMP/global.help"
commands=$(sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p' "$TMP/global.help")
[ -n "$commands" ] || not_ok "no command list in corral --help"
# Global options: the usage lines before "commands:" against the GLOBAL OPTIONS section.
sed '/^commands:/,$d' "$TMP/global.help" >"$TMP/g.help"
awk '/^# GLOBAL OPTIONS/ { on = 1; next } /^# / { on = 0 } on' "$MAN" >"$TMP/g.man"
compare "global options" "$TMP/g.help" "$TMP/g.man"

for c in $commands; do
        section "$c" >"$TMP/$c.man"
        if [ ! -s "$TMP/$c.man" ]; then
                not_ok "$c: no '## corral $c' section in corral.1.scd"
                continue
        fi
        "$CORRAL" "$c" --help >"$TMP/$c.help" 2>&1
        compare "$c" "$TMP/$c.help" "$TMP/$c.man"
done
# The bash completion offers the same options as --help, for each command.
COMPLETION=$CORRAL_SRC/contrib/bash-completion/corral
complete_opts() { # CMD ('' for the global options)
        bash -c '. "$1"; shift; COMP_WORDS=(corral "$@" --); COMP_CWORD=$#; COMP_CWORD=$((COMP_CWORD + 1)); _corral; printf "%s\n" "${COMPREPLY[@]}"' \
                _ "$COMPLETION" $1
}
complete_opts "" | grep -v -- '--version' >"$TMP/g.comp"
compare "completion: global options" "$TMP/g.help" "$TMP/g.comp"
for c in $commands; do
        # policy takes policy names, version none (its --help names `corral --version`).
        case $c in policy | version) continue ;; esac
        # A command's usage may repeat global options (daemon's does); the
        # completion offers those before the command, not after it.
        options "$TMP/g.help" >"$TMP/g.opts"
        options "$TMP/$c.help" | grep -v -x -F -f "$TMP/g.opts" >"$TMP/$c.help-local"
        complete_opts "$c" >"$TMP/$c.comp"
        compare "completion: $c" "$TMP/$c.help-local" "$TMP/$c.comp"
done

for c in $(sed -n 's/^## corral \([a-z-]*\).*/\1/p' "$MAN"); do
        grep -qx "$c" <<<"$commands" || not_ok "the man page documents '$c', which corral --help does not list"
done
# Every exit status corral(1) documents for run is the one `run --help` gives.
for s in 124 125 126 127 137 159; do
        if grep -q "$s" "$TMP/run.help" && section run >/dev/null && grep -q "^$s: \|: $s" "$MAN"; then ok "exit status $s in both"; else not_ok "exit status $s not in both run --help and corral(1)"; fi
done
echo "$((checks - fails)) passed, $fails failed"
[ "$fails" -eq 0 ] && [ "$checks" -gt 0 ]
