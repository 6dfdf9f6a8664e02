#!/bin/bash
# NAME
#	smoke.sh - tests/vm/run works: status, output, arguments, the guest's
#	kernel, systemd as PID 1, the timeout
# DESCRIPTION
#	Three VMs (about 2-3 minutes under TCG on two loaded cores):
#	  - plain: the command's status, standard output and error come
#	    back apart; arguments with blanks and quotes arrive intact; the
#	    working directory and SUREL_* variables are the caller's; the
#	    guest has its own kernel, where ppp_generic loads and /dev/ppp is
#	    a device; the guest's writes do not reach this machine;
#	  - --systemd: systemd is PID 1 and "systemctl is-system-running
#	    --wait" answers (running or degraded);
#	  - a VM that outlives SUREL_VM_TIMEOUT ends with status 124.
set -uo pipefail
: "${SUREL_SRC_DIR:?}"
RUN=$SUREL_SRC_DIR/tests/vm/run
T=$(mktemp -d /tmp/surel-vm-smoke.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
check() {
	echo "check: $*"
}

check "a command's status, output, arguments, directory and variables come back"
cd "$T"
mkdir here
cd here
export SUREL_SMOKE="a value with blanks"
script='printf "[%s]" "$@"; echo; pwd; echo "var=$SUREL_SMOKE guest=$SUREL_VM_GUEST"
	echo "kernel $(uname -r)"
	modprobe ppp_generic && [ -c /dev/ppp ] && grep -q "^ppp_generic " /proc/modules && echo "ppp_generic loaded"
	echo written >"$0.guest-wrote"; echo to-stderr >&2; exit 3'
t0=$EPOCHREALTIME
rc=0
"$RUN" bash -c "$script" "$T/x" "two words" "it's" '$HOME' "" >"$T/out" 2>"$T/err" || rc=$?
echo "  took $(bc <<<"$EPOCHREALTIME - $t0") s; stdout:"
sed 's/^/    /' "$T/out"
[ "$rc" = 3 ] || fail "expected the command's status 3, got $rc; stderr: $(cat "$T/err")"
[ "$(sed -n 1p "$T/out")" = "[two words][it's][\$HOME][]" ] || fail "the arguments changed on the way"
[ "$(sed -n 2p "$T/out")" = "$T/here" ] || fail "the working directory is not the caller's"
grep -qx "var=a value with blanks guest=1" "$T/out" || fail "SUREL_* variables did not arrive"
grep -qx "kernel $(ls /lib/modules | sort -V | tail -n 1)" "$T/out" || fail "not the guest's own kernel"
grep -qx "ppp_generic loaded" "$T/out" || fail "ppp_generic did not load in the guest: $(cat "$T/err")"
grep -qx to-stderr "$T/err" || fail "standard error did not come back: $(cat "$T/err")"
grep -q to-stderr "$T/out" && fail "standard error arrived on standard output"
[ ! -e "$T/x.guest-wrote" ] || fail "the guest's write reached this machine"

check "with --systemd, systemd is PID 1 and answers"
t0=$EPOCHREALTIME
rc=0
"$RUN" --systemd sh -c 'cat /proc/1/comm; systemctl is-system-running --wait' >"$T/out" 2>"$T/err" || rc=$?
echo "  took $(bc <<<"$EPOCHREALTIME - $t0") s: $(tr '\n' ' ' <"$T/out")"
[ "$(sed -n 1p "$T/out")" = systemd ] || fail "PID 1 is not systemd: $(cat "$T/out" "$T/err")"
case $(sed -n 2p "$T/out") in running | degraded) ;; *) fail "is-system-running: $(cat "$T/out" "$T/err")" ;; esac

check "a VM that outlives SUREL_VM_TIMEOUT ends with 124 and shows its console"
rc=0
SUREL_VM_TIMEOUT=40 "$RUN" sleep 600 >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 124 ] || fail "expected 124, got $rc: $(cat "$T/err")"
grep -q 'ran out of time' "$T/err" && grep -q -- "--- the console" "$T/err" || fail "no explanation: $(cat "$T/err")"
echo PASS
