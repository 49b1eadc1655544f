# t/pcsc.sh: a private pcscd with vsmartcard's vpcd driver, and eport-vcard in
# its reader, for one test script.  Sourced after t/lib.sh:
#
#   pcsc_start              start pcscd, or skip_all when it cannot run here
#                           (call it before the first test)
#   vcard_start STATEFILE   put the card in STATEFILE into the reader
#   vcard_start -v STATEFILE  the same, with the APDUs in $PCSC_DIR/vcard.log
#   vcard_stop              take it out; vcard_status is its exit status
#   pcsc_stop               stop both (done on exit too)
#
# pcsc_start exports PCSCLITE_CSOCK_NAME, so that every PC/SC client of the
# script (opensc-tool, eport-card, ...) talks to this pcscd and no other, and
# sets PCSC_READER (the reader's name) and VPCD_PORT.  pcscd 1.9.9 takes its
# socket only from systemd, so a few lines of perl play systemd's part: they
# listen on the socket and hand it over as LISTEN_FDS.  The driver listens on
# VPCD_PORT and VPCD_PORT+1 (two slots); a port that is taken gets another try.
VPCD_DRIVER=${VPCD_DRIVER:-/usr/lib/pcsc/drivers/serial/libifdvpcd.so.0.8}
PCSC_DIR=$TRASH/pcsc
PCSC_READER='Virtual PCD 00 00'
pcscd_pid=
vcard_pid=

pcsc_stop() {
	vcard_stop
	if [ -n "$pcscd_pid" ]; then
		kill "$pcscd_pid" 2>/dev/null
		wait "$pcscd_pid" 2>/dev/null
		pcscd_pid=
	fi
}

# $1: what to wait for (a command), $2: tenths of a second at most
pcsc_wait_() {
	pcsc_tick_=0
	until eval "$1"; do
		pcsc_tick_=$((pcsc_tick_ + 1))
		[ "$pcsc_tick_" -ge "$2" ] && return 1
		sleep 0.1
	done
}

pcsc_start() {
	command -v pcscd >/dev/null || skip_all "pcscd cannot start: pcscd is not installed"
	command -v perl >/dev/null || skip_all "pcscd cannot start: perl is not installed"
	[ -r "$VPCD_DRIVER" ] || skip_all "pcscd cannot start: no vpcd driver at $VPCD_DRIVER"
	mkdir -p "$PCSC_DIR/conf" || exit 2
	PCSCLITE_CSOCK_NAME=$PCSC_DIR/pcscd.comm
	export PCSCLITE_CSOCK_NAME PCSC_READER
	trap pcsc_stop EXIT
	trap 'exit 2' HUP INT TERM
	for try in 1 2 3 4 5; do
		VPCD_PORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
		cat >"$PCSC_DIR/conf/vpcd" <<-EOF
		FRIENDLYNAME "Virtual PCD"
		DEVICENAME   /dev/null:$VPCD_PORT
		LIBPATH      $VPCD_DRIVER
		EOF
		perl -MIO::Socket::UNIX -MPOSIX=dup2 -e '
			$^F = 3;	# keep fd 3 across exec
			my $path = shift;
			unlink $path;
			my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(),
			    Local => $path, Listen => 64) or die "cannot listen on $path: $!\n";
			fileno($s) == 3 or dup2(fileno($s), 3) or die "dup2: $!\n";
			$ENV{LISTEN_FDS} = 1;
			$ENV{LISTEN_PID} = $$;
			exec @ARGV or die "cannot run $ARGV[0]: $!\n";
		' "$PCSCLITE_CSOCK_NAME" pcscd --foreground --info -c "$PCSC_DIR/conf" \
			>"$PCSC_DIR/pcscd.log" 2>&1 &
		pcscd_pid=$!
		pcsc_wait_ 'grep -q "daemon ready" "$PCSC_DIR/pcscd.log" ||
		    ! kill -0 $pcscd_pid 2>/dev/null' 100
		why=$(grep -v '^ *$' "$PCSC_DIR/pcscd.log" | tail -n 1 | sed 's/^[0-9]* //')
		kill -0 $pcscd_pid 2>/dev/null || break
		# the driver could not listen on the port: another one
		grep -q "Could not initialize" "$PCSC_DIR/pcscd.log" || return 0
		pcsc_stop
	done
	pcsc_stop
	skip_all "pcscd cannot start: ${why:-no reason given}"
}

# The card is in (or out) when pcscd has seen it arrive (or go) once more.
pcsc_inserted_() {
	grep -c "Card inserted into $PCSC_READER" "$PCSC_DIR/pcscd.log" 2>/dev/null
}

pcsc_removed_() {
	grep -c "Card Removed From $PCSC_READER" "$PCSC_DIR/pcscd.log" 2>/dev/null
}

vcard_start() {
	before=$(pcsc_inserted_)
	eport-vcard -p "$VPCD_PORT" "$@" 2>>"$PCSC_DIR/vcard.log" &
	vcard_pid=$!
	pcsc_wait_ '[ "$(pcsc_inserted_)" -gt "$before" ]' 100 || {
		echo "vcard_start: the card did not come up; see $PCSC_DIR" >&2
		return 1
	}
}

vcard_stop() {
	[ -n "$vcard_pid" ] || return 0
	before=$(pcsc_removed_)
	kill "$vcard_pid" 2>/dev/null
	wait "$vcard_pid" 2>/dev/null
	vcard_status=$?
	vcard_pid=
	[ -n "$pcscd_pid" ] && [ -n "$before" ] || return 0
	pcsc_wait_ '[ "$(pcsc_removed_)" -gt "$before" ]' 50
}
