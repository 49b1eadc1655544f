#!/bin/sh
# eport-config(5) matches what the code reads: every configuration key the
# sources read (cfg_str, cfg_int, cfg_bool, libgit2's git_config_get_*, and
# the manifest's config:KEY values) has its entry in the page, and every
# key the page gives an entry is read by something.
. "$EPORT_SRC/t/lib.sh"

SRC=$EPORT_SRC
PAGE=$SRC/man/man5/eport-config.5

# the keys of eport's own sections; docs.git's own git settings (pack.*),
# which lib/pack.c sets on that repository, are git's, not eport's
sections='office|card|case|check|ship|store|web'

test_expect_success 'the keys the sources read' '
	cat "$SRC"/lib/*.c "$SRC"/cmd/*.c |
		tr -d "\n" |
		grep -oE "(cfg_(str|int|bool)|git_config_get_[a-z0-9_]+)\([^;]*" |
		grep -oE "\"($sections)\.[a-z-]+\"" | tr -d "\"" >read.code &&
	sed -En "s/.*\tconfig:(($sections)\.[a-z-]+)\$/\1/p" \
		"$SRC/share/eport/manifest.tsv" >read.manifest &&
	sort -u read.code read.manifest >read &&
	# what the test itself must find, so that a change of the readers
	# cannot empty the list unseen
	grep -qx office.branch read && grep -qx office.shared-login read &&
	grep -qx card.group read && grep -qx ship.sender-name read &&
	grep -qx store.map-size read
'

test_expect_success 'the keys the page describes' '
	sed -En "s/^\.It Cm (($sections)\.[a-z-]+).*/\1/p" "$PAGE" | sort -u >documented &&
	test -s documented
'

test_expect_success 'every key read is documented' '
	comm -23 read documented >undocumented &&
	test_cmp /dev/null undocumented
'

test_expect_success 'every key documented is read' '
	comm -13 read documented >unread &&
	test_cmp /dev/null unread
'

test_expect_success 'every key of the shipped defaults is documented' '
	git config -f "$SRC/share/eport/config" -l | sed "s/=.*//" | sort -u >shipped &&
	comm -23 shipped documented >extra &&
	test_cmp /dev/null extra
'

done_testing
