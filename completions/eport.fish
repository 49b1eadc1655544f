# fish completion for eport and every eport-* command.  fish loads a file by
# the name of the command completed, so every eport-NAME.fish is a link to
# this one, and it defines the completions of them all once.  Case ids come
# from eport-ls on the store of EPORT_HOME, narrowed to the states a command
# acts on.
if not set -q __eport_completions
set -g __eport_completions 1

set -l states received checked incomplete accepted rejected returned ready shipped delivered bounced collected withdrawn closed
set -l types onboard info-change operator-change operator-add reissue renew unlock reader deregister
set -l kinds license form1 form2 form3 form4 poa id-legal id-operator id-holder id-handler payment

# __eport_cases [STATE...]: the ids of the cases in those states, or all
function __eport_cases
    if test (count $argv) -eq 0
        eport-ls 2>/dev/null | awk 'NR > 1 { print $1 }'
    end
    for s in $argv
        eport-ls -s $s 2>/dev/null | awk 'NR > 1 { print $1 }'
    end
end

# __eport_pos OPT...: the arguments before the cursor that are not options
# (OPT: the options that take an argument)
function __eport_pos
    set -l toks (commandline -opc)
    set -l skip 0
    for t in $toks[2..-1]
        if test $skip -eq 1
            set skip 0
        else if contains -- $t $argv
            set skip 1
        else if not string match -q -- '-*' $t
            echo $t
        end
    end
end

# __eport_npos N OPT...: N arguments are before the cursor
function __eport_npos
    test (count (__eport_pos $argv[2..-1])) -eq $argv[1]
end

# __eport_sub SUB...: the first argument is one of SUB
function __eport_sub
    set -l pos (__eport_pos -m -o -F -e -p -d -f -t)
    test (count $pos) -ge 1; and contains -- $pos[1] $argv
end

# __eport_subcommands CMD OPT... -- NAME DESCRIPTION...: the subcommands of
# CMD, completed as its first argument (OPT: its options that take one)
function __eport_subcommands
    set -l i (contains -i -- -- $argv)
    set -l opts
    test $i -gt 2; and set opts $argv[2..(math $i - 1)]
    set -l pairs $argv[(math $i + 1)..-1]
    for j in (seq 1 2 (count $pairs))
        complete -c $argv[1] -n "__eport_npos 0 $opts" -a $pairs[$j] -d $pairs[(math $j + 1)]
    end
end

# eport CMD ...: complete as eport-CMD
function __eport_delegate
    set -l toks (commandline -opc)
    set -l cur (commandline -ct)
    set toks[2] eport-$toks[2]
    complete -C (string join ' ' -- (string escape -- $toks[2..-1]) "$cur")
end

set -l cmds init 'create a store' apply 'take in case records and bundles' \
    attach 'add documents to a case' check "check cases against the office's rules" \
    review 'accept, reject or return checked cases; withdraw a case' \
    amend "correct fields of a case's record" card 'read, write, unlock, renew and revoke cards; those near expiry' \
    ship 'posting days, the EMS manifest, tracking, collection' close 'close cases' \
    export 'write an audit archive' ls 'list cases, and what waits' show 'print cases as JSON' \
    log 'print the history of cases' status 'the public status query of an enterprise' \
    order 'import and list sales-platform orders' cal 'working days' \
    vcard 'the PIV card emulator' fsck 'check that the store agrees with itself' \
    web 'the public status page, a CGI program' \
    report "the office's workload over a period" \
    backup 'back the store up while it works; verify a backup'
complete -c eport -f
complete -c eport -n __fish_use_subcommand -l version -d 'print the version'
complete -c eport -n __fish_use_subcommand -a help -d "print the commands, or a command's manual"
for i in (seq 1 2 (count $cmds))
    complete -c eport -n __fish_use_subcommand -a $cmds[$i] -d $cmds[(math $i + 1)]
    complete -c eport -n '__fish_seen_subcommand_from help; and __eport_npos 1' -a $cmds[$i] -d $cmds[(math $i + 1)]
end
complete -c eport -n 'not __fish_use_subcommand; and not __fish_seen_subcommand_from help' -a '(__eport_delegate)'

set -l all eport-init eport-apply eport-attach eport-check eport-review eport-amend eport-card eport-ship \
    eport-close eport-export eport-ls eport-show eport-log eport-status eport-order eport-cal \
    eport-vcard eport-fsck eport-web eport-report eport-backup
for c in $all
    complete -c $c -s h -d 'print the usage'
end
for c in eport-apply eport-attach eport-check eport-review eport-amend eport-card eport-ship eport-close \
        eport-ls eport-log eport-status eport-order eport-report eport-backup
    complete -c $c -s j -d 'print JSON Lines'
end
for c in eport-init eport-apply eport-attach eport-check eport-review eport-amend eport-card eport-ship \
        eport-close eport-export eport-order eport-backup
    complete -c $c -s n -d 'do everything but the write'
end
# the commands that take no file arguments
for c in eport-init eport-check eport-review eport-amend eport-card eport-ship eport-close eport-export \
        eport-ls eport-show eport-log eport-status eport-order eport-cal eport-fsck eport-web \
        eport-report
    complete -c $c -f
end

complete -c eport-init -s b -l branch -x -d 'the branch code of case ids; with --from, the office to rebuild'
complete -c eport-init -s g -x -a '(__fish_complete_groups)' -d 'the group whose logins share the store'
complete -c eport-init -s f -l from -r -F -d 'make the store again from a backup or repository'
complete -c eport-init -s k -l keys -r -a '(__fish_complete_directories)' -d 'with --from: take the keys from a backup'

complete -c eport-backup -s k -d 'the keys too (a directory only)'
complete -c eport-backup -s V -d 'verify a backup: restore it in a scratch store and check it'
complete -c eport-backup -a '(__fish_complete_directories)' -d 'backup directory or git URL'

complete -c eport-attach -s s -d 'the papers carry the seal'
complete -c eport-attach -s c -x -d 'copies of each paper (1 to 99)'
complete -c eport-attach -s H -x -d 'the holder the documents are for (identity number)'
complete -c eport-attach -n '__eport_npos 0 -c -H' -f -a '(__eport_cases received incomplete returned)' -d case
complete -c eport-attach -n '__eport_npos 1 -c -H' -f -a "$kinds" -d 'document kind'

complete -c eport-check -s q -d 'print only the ids of cases with no blocking finding'
complete -c eport-check -s f -r -F -d 'check records from a file, storing nothing'
complete -c eport-check -a '(__eport_cases received incomplete)' -d case

__eport_subcommands eport-review -m -- accept 'accept checked cases' \
    reject 'reject checked cases (不予受理)' return 'return checked cases for more materials' \
    withdraw 'the enterprise withdraws its application (撤回)'
complete -c eport-review -s m -x -d 'the reason'
complete -c eport-review -n '__eport_sub accept; and not __eport_npos 0 -m' -a '(__eport_cases checked)' -d case
complete -c eport-review -n '__eport_sub reject return; and not __eport_npos 0 -m' -a '(__eport_cases checked incomplete)' -d case
complete -c eport-review -n '__eport_sub withdraw; and not __eport_npos 0 -m' -a '(__eport_cases received checked incomplete returned accepted ready)' -d case

complete -c eport-amend -s m -x -d 'the reason'
complete -c eport-amend -n '__eport_npos 0 -m' -a '(__eport_cases received checked incomplete returned accepted ready)' -d case
complete -c eport-amend -n 'not __eport_npos 0 -m' -a 'mail.recipient= mail.phone= mail.address= handler.name= handler.id_number= handler.phone= enterprise.name= enterprise.uscc= enterprise.address= pickup= order= holders.1.name= holders.1.id_number= holders.1.phone=' -d 'path=value'

__eport_subcommands eport-card -d -m -r -s -u -- status 'read the card in the reader' \
    write 'personalise a card for a holder of an accepted case' \
    unlock "unblock the case's card" renew "a new certificate for the case's card" \
    revoke 'revoke a card' ls 'list the card registry' \
    expiring 'the active cards whose certificate ends within days'
complete -c eport-card -n '__eport_sub revoke' -s m -x -d 'the reason'
complete -c eport-card -n '__eport_sub status write unlock renew' -s r -x -d 'the reader'
complete -c eport-card -n '__eport_sub ls' -s s -x -a 'active revoked' -d 'the cards in a state'
complete -c eport-card -n '__eport_sub ls' -s u -x -d 'the cards of an enterprise (USCC)'
complete -c eport-card -n '__eport_sub expiring' -s d -x -d 'the window, in days (card.warn-days)'
complete -c eport-card -n '__eport_sub write unlock renew; and __eport_npos 1 -d -m -r -s -u' -a '(__eport_cases accepted)' -d case

__eport_subcommands eport-ship -m -F -e -o -d -f -t -- \
    due 'the cases ready to post whose posting day has come' \
    manifest 'the EMS manifest of a day' \
    mark 'read id and tracking rows, or the manifest EMS filled in: the cases are shipped' \
    deliver 'a case was delivered' bounce 'a case came back undelivered' \
    collect 'a case collected at the counter' uncollected 'what waits at the counter'
complete -c eport-ship -n '__eport_sub manifest' -s F -x -a 'csv tsv xlsx' -d 'the format'
complete -c eport-ship -n '__eport_sub manifest' -s o -r -F -d 'write the manifest to a file'
complete -c eport-ship -n '__eport_sub mark' -F -d 'tracking rows or the filled-in manifest'
complete -c eport-ship -n '__eport_sub manifest' -s e -x -a 'utf-8 gb18030' -d 'the encoding of the CSV'
complete -c eport-ship -n '__eport_sub bounce' -s m -x -d 'the reason'
complete -c eport-ship -n '__eport_sub deliver bounce; and not __eport_npos 0 -m -F -e -o' -a '(__eport_cases shipped)' -d case
complete -c eport-ship -n '__eport_sub collect' -s m -x -d 'who collected it (name and identity number)'
complete -c eport-ship -n '__eport_sub collect' -s t -x -a 'resident hk-macau-permit taiwan-permit foreign-permanent passport' -d 'the identity document'
complete -c eport-ship -n '__eport_sub collect' -s f -x -d 'the freight both ways paid (yuan)'
complete -c eport-ship -n '__eport_sub collect; and not __eport_npos 0 -m -f -t' -a '(__eport_cases bounced ready)' -d case
complete -c eport-ship -n '__eport_sub uncollected' -s d -x -d 'waiting more than DAYS working days'

complete -c eport-close -s m -x -d 'a note'
complete -c eport-close -a '(__eport_cases ready delivered collected rejected withdrawn)' -d case

complete -c eport-export -s o -r -F -d 'the archive to write'
complete -c eport-export -s m -d 'mask identity and phone numbers, leave the documents out'
complete -c eport-export -s V -r -F -d 'verify an archive against the store'
complete -c eport-export -a '(__eport_cases)' -d case

complete -c eport-ls -s w -d 'what waits, since when, for how many working days'
complete -c eport-ls -s d -x -d 'with -w: waiting more than DAYS working days'
complete -c eport-ls -s s -x -a "$states" -d 'only cases in a state'
complete -c eport-ls -s t -x -a "$types" -d 'only cases of a business type'
complete -c eport-ls -s u -x -d 'only cases of an enterprise (USCC)'
complete -c eport-ls -s S -x -d 'only cases taken in on or after a day (YYYY-MM-DD)'
complete -c eport-ls -s U -x -d 'only cases taken in on or before a day (YYYY-MM-DD)'

complete -c eport-show -s t -d 'print TSV'
complete -c eport-show -a '(__eport_cases)' -d case
complete -c eport-log -a '(__eport_cases)' -d case

complete -c eport-status -s p -x -a '(__eport_cases ready bounced)' -d 'print the collection notice (领卡通知书) of a case'
complete -c eport-status -s o -r -F -d 'write the notice as PDF'
complete -c eport-status -s R -x -d 'draw the notice of lines on stdin as PDF (for eport-web)'

__eport_subcommands eport-order -s -- import "import the sales platform's order export" \
    ls 'list the orders'
complete -c eport-order -n '__eport_sub import' -F
complete -c eport-order -n '__eport_sub ls' -s s -x -a '待支付 待认证 待开票 待提货 待退款 完成' \
    -d 'only the orders in a status'
complete -c eport-order -n '__eport_sub ls' -x -a '(eport-order ls 2>/dev/null | awk \'NR > 1 { print $1 }\')' \
    -d order

complete -c eport-cal -s H -x -d 'the hall hours (HH:MM-HH:MM,...)'
complete -c eport-cal -s n -x -d 'the nth working day after the date'
complete -c eport-cal -s w -d 'exit 0 if the date is a working day'
complete -c eport-cal -s p -x -a "$types" -d 'the posting day of a case of a type'

complete -c eport-vcard -s i -d 'take APDUs in hex on stdin'
complete -c eport-vcard -s v -d 'log the APDUs'
complete -c eport-vcard -s H -x -a '(__fish_print_hostnames)' -d 'the host of vpcd'
complete -c eport-vcard -s p -x -d 'the port of vpcd'

complete -c eport-fsck -s r -d 'repair what is safe to repair'

complete -c eport-report -s S -x -d 'the first day (YYYY-MM-DD)'
complete -c eport-report -s U -x -d 'the last day (YYYY-MM-DD)'
complete -c eport-report -s t -x -a 'work backlog age posting stages' -d 'the table'
complete -c eport-report -s o -r -F -d 'draw the plots (.pdf or .svg)'
end
