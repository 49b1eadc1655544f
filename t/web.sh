# t/web.sh: a private lighttpd serving eport-web, from share/eport/lighttpd.conf
# with the test's values set again, on a loopback port.  Sourced after
# t/lib.sh:
#
#   web_start PUBLIC        start lighttpd for the snapshot in PUBLIC, or
#                           skip_all when it cannot run here; sets WEB_URL
#   web_stop                stop it (done on exit too)
#
# As root, lighttpd drops to www-data (WEB_USER), as the shipped
# configuration has it, when www-data can run eport-web where it was built;
# else it runs as the user running the tests (WEB_USER empty).  A port that
# is taken gets another try.
WEB_DIR=$TRASH/web
WEB_USER=
web_pid=

web_stop() {
	if [ -n "$web_pid" ]; then
		kill "$web_pid" 2>/dev/null
		wait "$web_pid" 2>/dev/null
		web_pid=
	fi
}

# $1: what to wait for (a command), $2: tenths of a second at most
web_wait_() {
	web_tick_=0
	until eval "$1"; do
		web_tick_=$((web_tick_ + 1))
		[ "$web_tick_" -ge "$2" ] && return 1
		sleep 0.1
	done
}

web_start() {
	command -v lighttpd >/dev/null || skip_all "lighttpd is not installed"
	command -v curl >/dev/null || skip_all "curl is not installed"
	[ -f /usr/lib/lighttpd/mod_cgi.so ] || skip_all "lighttpd has no mod_cgi"
	mkdir -p "$WEB_DIR/cgi" || exit 2
	ln -sf "$EPORT_BIN/eport-web" "$WEB_DIR/cgi/eport-web"
	if [ "$(id -u)" = 0 ] && id www-data >/dev/null 2>&1 &&
	    setpriv --reuid=www-data --regid=www-data --clear-groups \
		test -x "$WEB_DIR/cgi/eport-web" -a -x "$1" -a -r "$1" 2>/dev/null; then
		WEB_USER=www-data
	fi
	trap web_stop EXIT
	trap 'exit 2' HUP INT TERM
	for try in 1 2 3 4 5; do
		WEB_PORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
		{
			echo "include \"$EPORT_SHARE/lighttpd.conf\""
			echo "server.document-root := \"$WEB_DIR/cgi\""
			echo "server.port := $WEB_PORT"
			echo "server.bind := \"127.0.0.1\""
			echo "server.errorlog := \"$WEB_DIR/error.log\""
			printf 'setenv.add-environment := ( "EPORT_PUBLIC" => "%s", "EPORT_NOW" => "%s"' \
				"$1" "$EPORT_NOW"
			for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
				eval "val=\${$v:-}"
				[ -n "$val" ] && printf ', "%s" => "%s"' "$v" "$val"
			done
			echo ' )'
			if [ -n "$WEB_USER" ]; then
				echo "server.username := \"$WEB_USER\""
				echo "server.groupname := \"$WEB_USER\""
			else
				echo 'server.username := ""'
				echo 'server.groupname := ""'
			fi
		} >"$WEB_DIR/lighttpd.conf"
		: >"$WEB_DIR/error.log"
		# lighttpd opens its log once it is WEB_USER
		[ -z "$WEB_USER" ] || chown "$WEB_USER" "$WEB_DIR/error.log"
		lighttpd -D -f "$WEB_DIR/lighttpd.conf" >"$WEB_DIR/lighttpd.out" 2>&1 &
		web_pid=$!
		WEB_URL=http://127.0.0.1:$WEB_PORT
		web_wait_ 'curl -s -o /dev/null "$WEB_URL/eport.css" ||
		    ! kill -0 $web_pid 2>/dev/null' 100
		kill -0 $web_pid 2>/dev/null && return 0
		wait $web_pid 2>/dev/null
		web_pid=
		grep -q "Address already in use" "$WEB_DIR/error.log" "$WEB_DIR/lighttpd.out" || break
	done
	skip_all "lighttpd cannot start: $(cat "$WEB_DIR/lighttpd.out" "$WEB_DIR/error.log" | tail -n 1)"
}
