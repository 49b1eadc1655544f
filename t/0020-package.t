#!/bin/sh
# Packaging: the build honours the user's flags and keeps warnings as
# warnings outside make check; make install and uninstall; the Debian
# package (make deb) passes lintian, is hardened, keeps /etc/eport as
# conffiles, and runs the demo day from a scratch root.
. "$EPORT_SRC/t/lib.sh"

SRC=$EPORT_SRC
# the makes below are a user's: nothing of make check's own (its
# WERROR=-Werror, check-asan's O=asan and CFLAGS, -j) reaches them through the
# environment
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES WERROR O CFLAGS CPPFLAGS LDFLAGS
# a copy of the source to build in, so that nothing lands in the tree
mkdir src && (cd "$SRC" && git ls-files -co --exclude-standard | tar -cf - -T -) |
	tar -xf - -C src

test_expect_success 'a plain make keeps a warning a warning; WERROR=-Werror fails on it' '
	cp src/lib/err.c err.c.orig &&
	printf "static int eport_unused_for_the_test;\n" >>src/lib/err.c &&
	make -C src O="$TRASH/w1" "$TRASH/w1/lib/err.o" >w1.out 2>&1 &&
	grep -q "eport_unused_for_the_test.*-Wunused-variable" w1.out &&
	test_expect_code 2 make -C src O="$TRASH/w2" WERROR=-Werror "$TRASH/w2/lib/err.o" \
		>w2.out 2>&1 &&
	grep -q "error:.*eport_unused_for_the_test" w2.out &&
	cp err.c.orig src/lib/err.c
'

test_expect_success 'CPPFLAGS reach every compile, and new flags build everything again' '
	make -C src O="$TRASH/f" CPPFLAGS=-DEPORT_FLAG_ONE "$TRASH/f/lib/err.o" >f1.out 2>&1 &&
	grep -q -- "-DEPORT_FLAG_ONE.*lib/err.c" f1.out &&
	make -C src O="$TRASH/f" CPPFLAGS=-DEPORT_FLAG_ONE "$TRASH/f/lib/err.o" >f2.out 2>&1 &&
	! grep -q "lib/err.c" f2.out &&
	make -C src O="$TRASH/f" CPPFLAGS=-DEPORT_FLAG_TWO "$TRASH/f/lib/err.o" >f3.out 2>&1 &&
	grep -q -- "-DEPORT_FLAG_TWO.*lib/err.c" f3.out
'

# lib/err.c includes base.h alone (CONTRIBUTING.md, Headers): a change of
# base.h builds it again, one of the umbrella eport.h does not
test_expect_success 'a header change rebuilds what includes it, and only that' '
	make -C src O="$TRASH/f" CPPFLAGS=-DEPORT_FLAG_TWO "$TRASH/f/lib/err.o" >h1.out 2>&1 &&
	! grep -q "lib/err.c" h1.out &&
	touch src/lib/eport.h &&
	make -C src O="$TRASH/f" CPPFLAGS=-DEPORT_FLAG_TWO "$TRASH/f/lib/err.o" >h2.out 2>&1 &&
	! grep -q "lib/err.c" h2.out &&
	touch src/lib/base.h &&
	make -C src O="$TRASH/f" CPPFLAGS=-DEPORT_FLAG_TWO "$TRASH/f/lib/err.o" >h3.out 2>&1 &&
	grep -q "lib/err.c" h3.out
'

# install under a prefix of the test's own, from the binaries already built
pfx=$TRASH/pfx
test_expect_success 'make install PREFIX=...: commands, pages, share, catalogues, /etc/eport, completions' '
	make -C "$SRC" -o all O="$BUILD" install PREFIX="$pfx" \
		SYSCONFDIR="$pfx/etc" >inst.out 2>&1 &&
	test -x "$pfx/bin/eport-apply" && test -f "$pfx/share/eport/rules.tsv" &&
	msgunfmt "$pfx/share/locale/zh_CN/LC_MESSAGES/eport.mo" | grep -q "不是天数" &&
	test -f "$pfx/share/man/man7/eport.7" &&
	cmp "$SRC/etc/eport/config" "$pfx/etc/eport/config" &&
	test -f "$pfx/etc/fish/conf.d/eport.fish"
'

# the office's requirement: every onboarding by post brings a 授权委托书
# (poa), which the first example case lacks
office_rule() {
	printf "# 本中心要求\nonboard\tpost\t*\tpoa\tcase\t1\n" >>"$1"
}

test_expect_success 'make install puts the office'"'"'s own files in /etc/eport' '
	for f in rules.tsv kinds.tsv holidays.tsv; do
		cmp "$SRC/etc/eport/$f" "$pfx/etc/eport/$f" || return 1
	done
'

test_expect_success 'make install never overwrites the office'"'"'s /etc/eport files' '
	echo "[office] branch = QZ" >"$pfx/etc/eport/config" &&
	cp "$pfx/etc/eport/config" office.config &&
	office_rule "$pfx/etc/eport/rules.tsv" &&
	cp "$pfx/etc/eport/rules.tsv" office.rules &&
	make -C "$SRC" -o all O="$BUILD" install PREFIX="$pfx" \
		SYSCONFDIR="$pfx/etc" >inst2.out 2>&1 &&
	test_cmp office.config "$pfx/etc/eport/config" &&
	test_cmp office.rules "$pfx/etc/eport/rules.tsv"
'

# check_with BIN SYSCONF: a new store made by the commands in BIN, with
# SYSCONF as /etc/eport (EPORT_SYSCONFDIR, root's: the login acts), takes
# in the examples and checks the first: the office's rule blocks it
check_with() {
	(unset EPORT_SHARE EPORT_USER
	 export EPORT_HOME="$TRASH/store-$(echo "$1" | tr / _)" EPORT_SYSCONFDIR="$2"
	 rm -rf "$EPORT_HOME" &&
	 "$1/eport-init" >/dev/null &&
	 "$1/eport-order" import "$SRC/t/data/orders/export.csv" >/dev/null &&
	 rm -rf ex && cp -R "$SRC/share/eport/examples" ex &&
	 (cd ex && "$1/eport-apply" cases.jsonl) >applied &&
	 id=$(sed -n "2s/	.*//p" applied) &&
	 test_expect_code 1 "$1/eport-check" "$id" >checked &&
	 "$1/eport-show" "$id" >shown) &&
	grep -q "	block	doc-missing	documents.poa	缺少《授权委托书》$" checked &&
	test "$(jq -r .state shown)" = incomplete &&
	test "$(jq -r .checked_with shown | wc -c)" -eq 65
}

test_expect_success 'the installed commands read the office'"'"'s rules.tsv: its rule blocks' '
	check_with "$pfx/bin" "$pfx/etc/eport"
'

if command -v fish >/dev/null; then
test_expect_success 'fish completes from a PREFIX it does not search, by the conf.d snippet' '
	env -u XDG_DATA_DIRS HOME="$TRASH" fish --no-config -c "
		source $pfx/etc/fish/conf.d/eport.fish
		complete -C \"eport-ls -s \"" | cut -f1 >fish.out &&
	grep -qx received fish.out && grep -qx closed fish.out
'
else
	test_skip "fish is not installed"
fi

if [ -r /usr/share/bash-completion/bash_completion ]; then
# bash-completion 2.11 looks in XDG_DATA_DIRS (by default /usr/local/share and
# /usr/share): a PREFIX elsewhere is added there, as eport(7) says
test_expect_success 'bash-completion loads the completion from PREFIX/share' '
	XDG_DATA_DIRS="$pfx/share:/usr/share" HOME="$TRASH" PATH="$pfx/bin:$PATH" bash --norc -c "
		. /usr/share/bash-completion/bash_completion
		__load_completion eport-ls && COMP_WORDS=(eport-ls -s \"\") COMP_CWORD=2 &&
		_eport && printf \"%s\n\" \"\${COMPREPLY[@]}\"" >bash.out &&
	grep -qx received bash.out
'
else
	test_skip "bash-completion is not installed"
fi

if command -v zsh >/dev/null; then
test_expect_success 'zsh autoloads the completion from the installed site-functions' '
	HOME="$TRASH" zsh -f -c "fpath=($pfx/share/zsh/site-functions \$fpath)
		autoload -Uz compinit && compinit -u -d $TRASH/zcomp &&
		print -r -- \$_comps[eport-ls]" >zsh.out &&
	test "$(cat zsh.out)" = _eport
'
else
	test_skip "zsh is not installed"
fi

test_expect_success 'make uninstall removes what install wrote, but the files the office edited' '
	make -C "$SRC" -o all O="$BUILD" uninstall PREFIX="$pfx" \
		SYSCONFDIR="$pfx/etc" >uninst.out 2>&1 &&
	(cd "$pfx" && find . ! -type d | sort) >left &&
	printf "./etc/eport/config\n./etc/eport/rules.tsv\n" >expect &&
	test_cmp expect left
'

if [ -n "${EPORT_VALGRIND:-}" ]; then
	test_skip "the package: make test builds it; valgrind has nothing more to run there"
	done_testing
	exit
fi
for tool in dpkg-buildpackage dh lintian; do
	if ! command -v $tool >/dev/null; then
		test_skip "the package: $tool is not installed"
		done_testing
		exit
	fi
done

test_expect_success 'make deb builds the package without installing anything' '
	dpkg-query -W -f "\${Package}\n" >pkgs.before &&
	make -C src O="$TRASH/d" deb >deb.out 2>&1 &&
	dpkg-query -W -f "\${Package}\n" >pkgs.after &&
	test_cmp pkgs.before pkgs.after &&
	deb=$(ls "$TRASH"/d/deb/eport_*_*.deb) && test -f "$deb"
'

test_expect_success 'the package version is the one eport --version says' '
	echo "eport $(dpkg-deb -f "$deb" Version)" >expect &&
	eport --version >actual &&
	test_cmp expect actual
'

# lintian must have run and read the package: its exit status (an error or
# a warning fails it), the overrides it applied (-I --show-overrides: only
# eport's .deb has them), and nothing but tags, their overrides' comments and
# its notice about root
test_expect_success 'lintian reads the package and finds no error and no warning' '
	lintian --version | grep -q "^Lintian v[0-9]" &&
	lintian --fail-on error,warning -I --show-overrides \
		"$TRASH"/d/deb/eport_*.changes >lintian.out 2>lintian.err &&
	grep -qxF "O: eport: extra-license-file [usr/share/eport/examples/scans/license.pdf]" \
		lintian.out &&
	! grep -v "^[INO]:" lintian.out &&
	! grep -vx "running with root privileges is not recommended!" lintian.err
'

test_expect_success 'the packaged commands are hardened (fortified, PIE, full RELRO)' '
	mkdir root && dpkg-deb -x "$deb" root &&
	nm -D root/usr/bin/eport-apply | grep -q "__[a-z_]*_chk@" &&
	readelf -h root/usr/bin/eport-apply | grep -q "Type:.*DYN" &&
	readelf -d root/usr/bin/eport-apply | grep -q BIND_NOW
'

test_expect_success 'the package carries the Chinese catalogue where gettext looks' '
	msgunfmt root/usr/share/locale/zh_CN/LC_MESSAGES/eport.mo | grep -q "不是天数"
'

test_expect_success 'the package keeps /etc/eport as conffiles' '
	dpkg-deb -e "$deb" ctl &&
	for f in config rules.tsv kinds.tsv holidays.tsv; do
		grep -qx "/etc/eport/$f" ctl/conffiles || return 1
	done
'

# dpkg into a root of the test's own (its own database and log; the
# libraries it depends on are the system's)
droot=$TRASH/droot
dpkg_root() {
	dpkg --root="$droot" --log="$droot/dpkg.log" --force-depends "$@" </dev/null
}

test_expect_success 'dpkg installs the package into a scratch root' '
	mkdir -p "$droot/var/lib/dpkg/info" "$droot/var/lib/dpkg/updates" &&
	touch "$droot/var/lib/dpkg/status" "$droot/var/lib/dpkg/available" &&
	dpkg_root -i "$deb" >dpkg1.out 2>&1 &&
	test -x "$droot/usr/bin/eport-check" &&
	cmp "$SRC/etc/eport/rules.tsv" "$droot/etc/eport/rules.tsv"
'

test_expect_success 'the office'"'"'s edited /etc/eport/rules.tsv survives the package installed again' '
	office_rule "$droot/etc/eport/rules.tsv" &&
	cp "$droot/etc/eport/rules.tsv" office.rules &&
	dpkg_root -i "$deb" >dpkg2.out 2>&1 &&
	grep -q "^Unpacking eport (.*) over " dpkg2.out &&
	test_cmp office.rules "$droot/etc/eport/rules.tsv"
'

test_expect_success 'the packaged commands read it: the office'"'"'s rule blocks' '
	check_with "$droot/usr/bin" "$droot/etc/eport"
'

# the next versions of the package, made from this one without a build:
# unpack_deb DIR VERSION unpacks $deb in DIR with VERSION in its control;
# pack_deb DIR makes DIR.deb of it (DEBIAN/md5sums leaves the conffiles out,
# so a changed /etc/eport file needs nothing more)
unpack_deb() {
	rm -rf "$1" && dpkg-deb -R "$deb" "$1" &&
	sed -i "s/^Version: .*/Version: $2/" "$1/DEBIAN/control" &&
	grep -qxF "Version: $2" "$1/DEBIAN/control"
}
pack_deb() {
	dpkg-deb --root-owner-group -b "$1" "$1.deb" >/dev/null
}
# installed VERSION: what the scratch root's dpkg database says is installed
installed() {
	echo "$1 install ok installed" >expect &&
	dpkg-query --admindir="$droot/var/lib/dpkg" -W -f "\${Version} \${Status}\n" eport >actual &&
	test_cmp expect actual
}

test_expect_success 'an upgrade keeps the office'"'"'s edited rules.tsv as the office wrote it' '
	v0=$(dpkg-deb -f "$deb" Version) && v1=$v0+upgrade1 &&
	unpack_deb up1 "$v1" && pack_deb up1 &&
	cmp "$SRC/etc/eport/rules.tsv" up1/etc/eport/rules.tsv &&
	installed "$v0" &&
	dpkg_root -i up1.deb >dpkg3.out 2>&1 &&
	grep -qxF "Unpacking eport ($v1) over ($v0) ..." dpkg3.out &&
	grep -q " upgrade eport:[^ ]* $v0 $v1\$" "$droot/dpkg.log" &&
	installed "$v1" &&
	test_cmp office.rules "$droot/etc/eport/rules.tsv" &&
	find "$droot/etc/eport" -name "*.dpkg-*" >left &&
	test_cmp /dev/null left
'

test_expect_success 'the upgraded commands still apply the office'"'"'s rule' '
	check_with "$droot/usr/bin" "$droot/etc/eport"
'

# A new version whose own rules.tsv changed too: dpkg would ask the office
# which to keep, and with no one to answer (</dev/null) stop at the prompt
# and leave the package half-configured.  An office's unattended upgrade
# (unattended-upgrades, apt with Dpkg::Options "--force-confold") keeps the
# office's file and asks nothing: so does this one.
test_expect_success 'an upgrade with a new rules.tsv keeps the office'"'"'s (--force-confold), the package'"'"'s as .dpkg-dist' '
	v2=$v0+upgrade2 &&
	unpack_deb up2 "$v2" &&
	printf "# 2026 年版: 本版规则的说明\n" >>up2/etc/eport/rules.tsv &&
	pack_deb up2 &&
	dpkg_root --force-confold -i up2.deb >dpkg4.out 2>&1 &&
	grep -qxF "Unpacking eport ($v2) over ($v1) ..." dpkg4.out &&
	grep -qxF " ==> Using current old file as you requested." dpkg4.out &&
	installed "$v2" &&
	test_cmp office.rules "$droot/etc/eport/rules.tsv" &&
	test_cmp up2/etc/eport/rules.tsv "$droot/etc/eport/rules.tsv.dpkg-dist" &&
	find "$droot/etc/eport" -name "*.dpkg-*" >left &&
	echo "$droot/etc/eport/rules.tsv.dpkg-dist" >expect &&
	test_cmp expect left
'

test_expect_success 'after it the commands still apply the office'"'"'s rule' '
	check_with "$droot/usr/bin" "$droot/etc/eport"
'

test_expect_success 'installed in a scratch root it takes in a case from there' '
	(unset EPORT_SHARE EPORT_HOME; export EPORT_HOME="$TRASH/pkgstore"
	 root/usr/bin/eport-init &&
	 cp -R root/usr/share/eport/examples ex &&
	 cd ex && "$TRASH/root/usr/bin/eport-apply" cases.jsonl >../applied) &&
	test "$(sed 1d applied | wc -l)" -ge 3
'

test_expect_success 'the demo day runs with the packaged commands' '
	EPORT_BIN="$TRASH/root/usr/bin" EPORT_SHARE="$TRASH/root/usr/share/eport" \
		"$SRC/tools/demo" >demo.out 2>&1 &&
	grep -qx clean demo.out &&
	store=$(sed -n "s/^The store is in \([^;]*\);.*/\1/p" demo.out) &&
	test -d "$store" && rm -rf "$store"
'

done_testing
