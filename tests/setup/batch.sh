#!/bin/bash
# NAME
#	batch.sh - surel-setup configures batch mode from what the ISP's setup printed
# DESCRIPTION
#	The hand-over of dialctl's "batch" mode between the two setup scripts,
#	against a school server image below a temporary root (see common.sh)
#	and an ISP Postfix configuration directory:
#	  - surel-setup --mode batch without a tunnel file, or with one the
#	    ISP wrote for ssh mode, is refused and changes nothing;
#	  - surel-setup --mode batch --tunnel FILE (from surel-setup-isp
#	    ssh-add --mode batch; with or without the forwards' ports):
#	    main.cf as main.cf.surel-batch says over main.cf.surel, the
#	    surel-batch pipe and the tunnel-only smtpd as master.cf.surel-batch
#	    says, the system user surel-batch, its spool (0700 in a 0755
#	    root directory, also below a setgid parent), [dial] mode and [ssh]
#	    (dialctl accepts them), the ISP's host key; postfix check passes;
#	    a second run changes nothing;
#	  - [batch] program and spool in surel.ini go into the pipe's argv;
#	  - batch -> ssh -> batch -> etrn -> batch: each mode's own entries
#	    (and batch mode's recipient limit) come and go, the shared
#	    tunnel-only smtpd stays while a mode needs it, the spool stays;
#	  - a surel-batch service that does not run surel-batch is refused.
set -euo pipefail
. "$SUREL_SRC_DIR/tests/setup/common.sh"
su_image
ISP=$T/isp
SETUP_ISP=$SUREL_SRC_DIR/scripts/surel-setup-isp
TPL=$SUREL_SRC_DIR/etc/postfix

# setup ARGS...: surel-setup on the image for the school.
setup() {
	"$SETUP" --root "$R" --roster "$ROSTER" --domain "$D" "$@"
}
# isp ARGS...: the ISP's ssh set-up against its own configuration directory
# (batch mode's transport as nobody: Postfix runs no transport as root).
isp() {
	"$SETUP_ISP" --config-dir "$ISP/etc" "$@" --tunnel-user root --keys "$ISP/authorized_keys" \
		--state "$ISP/gate" --sshd-conf "$ISP/sshd.conf" --ssh-host isp.example.net \
		--ssh-port 2222 --host-key "$ISP/host.pub" --firewall "$ISP/tunnel.nft" --no-firewall-load \
		--batch "$SUREL_BIN_DIR/batch/surel-batch" --batch-user nobody --spool-root "$ISP/spool"
}
# entry NAME: a template entry of master.cf.surel-batch (or -ssh) as one
# line, its "-o" options left out (pc -P reads them).
entry() {
	awk -v n="$1" '/^#/ { next } /^[^ \t]/ { on = ($1 == n); if (on) e = $0; next }
		on && !/^[ \t]+-o[ \t]/ { sub(/^[ \t]+/, ""); e = e " " $0 }
		END { print e }' "$TPL/master.cf.surel-batch" | tr -s ' \t' ' '
}
# has NAME/TYPE: master.cf has that service.
has() { pc -M "$1" | grep -q .; }
# clean_check: postfix check and postconf say nothing (the sqlite tables
# name the target's paths, which cannot be opened from here).
clean_check() {
	postfix -c "$R/etc/postfix" check >"$T/check.out" 2>&1 || fail "$1: postfix check failed: $(cat "$T/check.out")"
	postconf -c "$R/etc/postfix" -n >/dev/null 2>>"$T/check.out"
	if grep -v 'open "sqlite" configuration "/etc/postfix/surel/' "$T/check.out" | grep -qi 'warning\|fatal\|error'; then
		fail "$1: postfix complains: $(cat "$T/check.out")"
	fi
}
# batch_mode_is_set: main.cf and master.cf as batch mode's templates say.
batch_mode_is_set() {
	local line key want
	while IFS= read -r line; do
		case $line in '#'* | '') continue ;; esac
		key=${line%% =*}
		want=${line#*=}
		want=${want# }
		[ "$(pc -h "$key")" = "$want" ] || fail "$1: main.cf $key is '$(pc -h "$key")', not '$want'"
		pc -n "$key" | grep -q . || fail "$1: main.cf does not set $key"
	done <"$TPL/main.cf.surel-batch"
	[ "$(pc -M surel-batch/unix | tr -s ' \t' ' ')" = "$(entry surel-batch)" ] ||
		fail "$1: the surel-batch pipe is '$(pc -M surel-batch/unix)', not '$(entry surel-batch)'"
	while IFS= read -r line; do
		[ "$(pc -P "127.0.0.1:10026/inet/${line%%=*}" | sed 's/^[^=]*= \{0,1\}//')" = "${line#*=}" ] ||
			fail "$1: the tunnel-only smtpd lacks -o $line: $(pc -P 127.0.0.1:10026/inet)"
	done < <(awk '/^127.0.0.1:10026/ { on = 1; next } /^[^ \t]/ { on = 0 }
		on && sub(/^[ \t]+-o[ \t]+/, "")' "$TPL/master.cf.surel-batch")
	pc -F 127.0.0.1:10026/inet/command | grep -Eq '= smtpd( |$)' || fail "$1: no tunnel-only smtpd on 127.0.0.1:10026"
	! has surel-tunnel/unix || fail "$1: ssh mode's surel-tunnel stayed in master.cf"
	[ "$(ini dial mode)" = batch ] || fail "$1: [dial] mode is '$(ini dial mode)'"
}

check "--ssh-key makes the school's key; the ISP adds the school in batch mode"
"$SETUP" --root "$R" --domain "$D" --ssh-key >"$T/school.pub" 2>"$T/key.err" ||
	fail "--ssh-key failed: $(cat "$T/key.err")"
K=$R/etc/surel/ssh/id_ed25519
mkdir -p "$ISP/etc"
cp /etc/postfix/main.cf /etc/postfix/master.cf "$ISP/etc/"
postconf -c "$ISP/etc" -e "alternate_config_directories="
ssh-keygen -q -t ed25519 -N '' -C isp-host -f "$ISP/host"
isp ssh-install >"$T/isp.out" 2>&1 || fail "ssh-install: $(cat "$T/isp.out")"
isp ssh-add smpn1 "$D" --key "$T/school.pub" --mode batch >"$T/tunnel" 2>"$T/isp.err" ||
	fail "ssh-add --mode batch: $(cat "$T/isp.err" "$T/tunnel")"
grep -qx 'mode = batch' "$T/tunnel" || fail "the tunnel file is not for batch mode: $(cat "$T/tunnel")"
grep -v -e '^isp_port' -e '^remote_port' -e '^local_port' "$T/tunnel" >"$T/tunnel.noports"
sed 's/^mode = batch/mode = ssh/' "$T/tunnel" >"$T/tunnel.ssh"

refused "batch mode without a tunnel file" 64 setup --mode batch
grep -q -- '--tunnel FILE' "$T/out" || fail "the refusal does not say what is missing: $(cat "$T/out")"
refused "a tunnel file the ISP wrote for ssh mode" 65 setup --mode batch --tunnel "$T/tunnel.ssh"
refused "a tunnel file the ISP wrote for batch mode, in ssh mode" 65 setup --mode ssh --tunnel "$T/tunnel"
refused "--tunnel in etrn mode" 64 setup --mode etrn --smarthost mail.isp.example.net --tunnel "$T/tunnel"

check "surel-setup --mode batch --tunnel FILE (no forward ports in it) sets the school up"
# Debian's /var/spool is 0755; a setgid one must not leave its bit on the spool.
mkdir -p "$R/var/spool"
chmod 2755 "$R/var/spool"
setup --mode batch --tunnel "$T/tunnel.noports" >"$T/run1" 2>&1 || fail "surel-setup --mode batch failed: $(cat "$T/run1")"
batch_mode_is_set "batch mode"
grep -q '^surel-setup: .*set up (batch mode)' "$T/run1" || fail "the setup does not say the mode: $(tail -n 2 "$T/run1")"
[ "$(ini ssh host)" = isp.example.net ] && [ "$(ini ssh port)" = 2222 ] && [ "$(ini ssh user)" = root ] ||
	fail "[ssh] host/port/user: $(ini ssh host) $(ini ssh port) $(ini ssh user)"
[ "$(ini ssh deliver_to)" = 127.0.0.1:10026 ] || fail "[ssh] deliver_to is '$(ini ssh deliver_to)'"
[ -z "$(ini ssh isp_port)$(ini ssh remote_port)$(ini ssh local_port)" ] ||
	fail "surel.ini has forward ports the tunnel file did not give"
! grep -q '^\[batch\]' "$R/etc/surel/surel.ini" || fail "surel.ini got a [batch] section with nothing but defaults"
[ "$(cat "$R/etc/surel/ssh/known_hosts")" = "[isp.example.net]:2222 $(cut -d' ' -f1,2 "$ISP/host.pub")" ] ||
	fail "known_hosts: $(cat "$R/etc/surel/ssh/known_hosts")"
cmp -s "$T/school.pub" "$K.pub" || fail "the setup replaced the school's key"
sed -E -e "s#^(db|credentials|identity|known_hosts) = /#\1 = $R/#" "$R/etc/surel/surel.ini" >"$T/check.ini"
rc=0
out=$("$SUREL_BIN_DIR/dialctl/dialctl" --config "$T/check.ini" report 2>&1) || rc=$?
[ "$rc" != 78 ] || fail "dialctl refuses the written surel.ini: $out"

check "the system user surel-batch and its spool"
grep -q '^surel-batch:[^:]*:[0-9]*:[0-9]*:[^:]*:[^:]*:/usr/sbin/nologin$' "$R/etc/passwd" ||
	fail "no system user surel-batch: $(grep '^surel-batch:' "$R/etc/passwd" || true)"
grep -q '^surel-batch:' "$R/etc/group" || fail "no group surel-batch"
# The image's own ids (the host has no surel-batch).
ids=$(awk -F: '$1 == "surel-batch" { print $3 }' "$R/etc/passwd"):$(awk -F: '$1 == "surel-batch" { print $3 }' "$R/etc/group")
[ "$(stat -c '%u:%g %a' "$R/var/spool/surel-batch")" = "0:0 755" ] ||
	fail "/var/spool/surel-batch is $(stat -c '%u:%g %a' "$R/var/spool/surel-batch")"
for d in out out/tmp out/new out/seen; do
	[ "$(stat -c '%u:%g %a' "$R/var/spool/surel-batch/$d")" = "$ids 700" ] ||
		fail "/var/spool/surel-batch/$d is $(stat -c '%u:%g %a' "$R/var/spool/surel-batch/$d"), not surel-batch's ($ids) 700"
done

check "postfix check passes on the result"
clean_check "batch mode"

check "the ports from the full tunnel file go to [ssh]; then a second run changes nothing"
setup --mode batch --tunnel "$T/tunnel" >"$T/run2" 2>&1 || fail "run with the full tunnel file failed: $(cat "$T/run2")"
read -r port_out port_in <<<"$(isp ssh-list | awk '$1 == "smpn1" { print $2, $3 }')"
[ "$(ini ssh isp_port)" = "$port_out" ] && [ "$(ini ssh remote_port)" = "$port_in" ] ||
	fail "[ssh] ports $(ini ssh isp_port) $(ini ssh remote_port), the ISP gave $port_out $port_in"
before=$(snapshot)
sed 's/$/\r/' "$T/tunnel" >"$T/tunnel.crlf"
setup --mode batch --tunnel "$T/tunnel.crlf" >"$T/run3" 2>&1 || fail "second run failed: $(cat "$T/run3")"
grep -q 'nothing to change' "$T/run3" || fail "second run reported changes: $(cat "$T/run3")"
setup >"$T/run4" 2>&1 || fail "a run without --mode failed: $(cat "$T/run4")"
grep -q 'nothing to change.*(batch mode)' "$T/run4" || fail "a run without --mode changed something: $(cat "$T/run4")"
[ "$(snapshot)" = "$before" ] || fail "a second run changed files below the root"

check "[batch] program and spool in surel.ini go into the pipe's argv"
cp "$R/etc/surel/surel.ini" "$T/surel.ini.saved"
printf '\n[batch]\nprogram = /opt/surel/surel-batch\nspool = /srv/batch/out\n' >>"$R/etc/surel/surel.ini"
setup >"$T/run5" 2>&1 || fail "run with [batch] paths failed: $(cat "$T/run5")"
pc -F surel-batch/unix/command | grep -q ' argv=/opt/surel/surel-batch spool --spool /srv/batch/out ' ||
	fail "the pipe's argv: $(pc -F surel-batch/unix/command)"
[ "$(stat -c '%u:%g %a' "$R/srv/batch/out/new")" = "$ids 700" ] ||
	fail "/srv/batch/out/new is $(stat -c '%u:%g %a' "$R/srv/batch/out/new")"
printf '\n[batch]\nspool = "/srv/bad spool"\n' >>"$T/bad.ini"
cat "$T/surel.ini.saved" "$T/bad.ini" >"$R/etc/surel/surel.ini"
refused "a [batch] spool that the pipe's argv cannot carry" 65 setup
cp "$T/surel.ini.saved" "$R/etc/surel/surel.ini"
setup >"$T/run6" 2>&1 || fail "run back to the default paths failed: $(cat "$T/run6")"
batch_mode_is_set "back to the default paths"
rm -rf "$R/srv"

check "batch -> ssh: surel-tunnel comes, surel-batch and its recipient limit go, the smtpd stays"
isp ssh-add smpn1 "$D" --key "$T/school.pub" >"$T/tunnel.ssh" 2>"$T/isp.err" ||
	fail "ssh-add (back to ssh): $(cat "$T/isp.err" "$T/tunnel.ssh")"
setup --mode ssh --tunnel "$T/tunnel.ssh" >"$T/run7" 2>&1 || fail "switching to ssh failed: $(cat "$T/run7")"
has surel-tunnel/unix || fail "no surel-tunnel transport in ssh mode"
! has surel-batch/unix || fail "batch mode's surel-batch pipe stayed in ssh mode"
has 127.0.0.1:10026/inet || fail "the tunnel-only smtpd went in ssh mode"
! pc -n surel-batch_destination_recipient_limit | grep -q . || fail "batch mode's recipient limit stayed in main.cf"
[ "$(pc -h default_transport)" = surel-tunnel ] && [ "$(pc -h relayhost)" = "[127.0.0.1]:10025" ] ||
	fail "ssh mode's main.cf: $(pc -h default_transport) $(pc -h relayhost)"
[ "$(ini dial mode)" = ssh ] && [ "$(ini ssh local_port)" = 10025 ] || fail "[dial] mode $(ini dial mode), [ssh] local_port $(ini ssh local_port)"
clean_check "ssh mode after batch mode"
setup >"$T/run8" 2>&1 || fail "second ssh run failed: $(cat "$T/run8")"
grep -q 'nothing to change.*(ssh mode)' "$T/run8" || fail "the second ssh run changed something: $(cat "$T/run8")"

check "ssh -> batch: surel-tunnel goes, surel-batch comes back"
isp ssh-add smpn1 "$D" --key "$T/school.pub" --mode batch >"$T/tunnel" 2>"$T/isp.err" ||
	fail "ssh-add --mode batch again: $(cat "$T/isp.err" "$T/tunnel")"
setup --mode batch --tunnel "$T/tunnel" >"$T/run9" 2>&1 || fail "switching to batch failed: $(cat "$T/run9")"
batch_mode_is_set "batch mode after ssh mode"
clean_check "batch mode after ssh mode"
setup >"$T/run10" 2>&1 || fail "second batch run failed: $(cat "$T/run10")"
grep -q 'nothing to change.*(batch mode)' "$T/run10" || fail "the second batch run changed something: $(cat "$T/run10")"

check "batch -> etrn: the smarthost again, batch mode's entries gone, the spool kept (with a warning for what waits there)"
echo 'surel-batch 1' >"$R/var/spool/surel-batch/out/new/1765100000-000000000000000000000001"
setup --mode etrn --smarthost mail.isp.example.net >"$T/run11" 2>&1 || fail "switching to etrn failed: $(cat "$T/run11")"
grep -q '^surel-setup: warning: /var/spool/surel-batch/out still holds outside mail (1)' "$T/run11" ||
	fail "no warning about the mail waiting in the spool: $(cat "$T/run11")"
[ -f "$R/var/spool/surel-batch/out/new/1765100000-000000000000000000000001" ] || fail "the spool's mail went"
rm -f "$R/var/spool/surel-batch/out/new/1765100000-000000000000000000000001"
! has surel-batch/unix && ! has 127.0.0.1:10026/inet && ! has surel-tunnel/unix ||
	fail "another mode's services stayed in master.cf in etrn mode: $(pc -M | grep -e surel-batch -e 10026 -e surel-tunnel)"
! pc -n surel-batch_destination_recipient_limit | grep -q . || fail "batch mode's recipient limit stayed in main.cf"
[ "$(pc -h relayhost)" = "[mail.isp.example.net]:587" ] || fail "relayhost is '$(pc -h relayhost)'"
[ "$(pc -h default_transport)" = smtp ] && [ "$(pc -h defer_transports)" = smtp ] ||
	fail "transports: $(pc -h default_transport) / $(pc -h defer_transports)"
[ "$(ini dial mode)" = etrn ] || fail "[dial] mode is '$(ini dial mode)'"
[ -d "$R/var/spool/surel-batch/out/new" ] || fail "the spool went (mail may wait there)"
clean_check "etrn mode after batch mode"
setup --smarthost mail.isp.example.net >"$T/run12" 2>&1 || fail "second etrn run failed: $(cat "$T/run12")"
grep -q 'nothing to change.*(etrn mode)' "$T/run12" || fail "the second etrn run changed something: $(cat "$T/run12")"

check "etrn -> batch from surel.ini's [ssh] section (no tunnel file)"
setup --mode batch >"$T/run13" 2>&1 || fail "switching back to batch failed: $(cat "$T/run13")"
batch_mode_is_set "batch mode from surel.ini"

check "a surel-batch service surel did not write is not replaced"
setup --mode etrn --smarthost mail.isp.example.net >"$T/run14" 2>&1 || fail "switching to etrn failed: $(cat "$T/run14")"
postconf -c "$R/etc/postfix" -M "surel-batch/unix=surel-batch unix - n n - - pipe user=nobody argv=/bin/cat" 2>/dev/null
refused "another setup's surel-batch service" 78 setup --mode batch --tunnel "$T/tunnel"
postconf -c "$R/etc/postfix" -MX surel-batch/unix 2>/dev/null
echo "PASS"
