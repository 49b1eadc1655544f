# Of two `mdb_dump -a` outputs (before, after), the records of the second
# that the first lacks, each database with its header, for mdb_load.
FNR == 1 { file++ }
/^HEADER=END$/ { if (file == 2) printf "%s%s\n", ph, $0; ph = ""; data = 1; next }
/^DATA=END$/ { if (file == 2) print; data = 0; next }
!data { ph = ph $0 "\n"; if (/^database=/) db = $0; next }
!half { k = $0; half = 1; next }
{
	half = 0
	if (file == 1) before[db, k, $0] = 1
	else if (!((db, k, $0) in before)) printf "%s\n%s\n", k, $0
}
