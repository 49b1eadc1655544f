# mkzip.pl OUT NAME=SPEC...: a zip written entry by entry with names as given
# (even ../x or /abs), for t/0900-hostile.t.  SPEC: @FILE (its bytes),
# zeros:N (N zero bytes, streamed: a zip bomb), link:TARGET (a symlink entry)
# or the text itself.
use strict;
use IO::Compress::Zip qw($ZipError);
my $out = shift;
my $z;
for (@ARGV) {
	my ($name, $spec) = split /=/, $_, 2;
	my %o = (Name => $name, CanonicalName => 0);
	$o{ExtAttr} = (0120777 << 16) if $spec =~ /^link:/;
	if ($z) { $z->newStream(%o) or die $ZipError } else { $z = IO::Compress::Zip->new($out, %o) or die $ZipError }
	if ($spec =~ /^zeros:(\d+)$/) {
		my $left = $1, my $chunk = "\0" x 1048576;
		while ($left > 0) { my $n = $left < 1048576 ? $left : 1048576; $z->print(substr($chunk, 0, $n)); $left -= $n }
	} elsif ($spec =~ /^link:(.*)$/) {
		$z->print($1);
	} elsif ($spec =~ /^@(.*)$/) {
		open my $f, '<:raw', $1 or die "$1: $!"; local $/; $z->print(<$f>);
	} else {
		$z->print($spec);
	}
}
$z->close or die $ZipError;
