/* bench-gen: the data of bench/run.
 *
 * `bench-gen cases [-s SEED] [-f FIRST] N DIR` writes DIR/cases.jsonl, N case
 * records of eport-case(5) numbered from FIRST (default 0), and their scans
 * under DIR/scans/: small real PDF and PNG files, each different.  USCCs,
 * identity numbers, card and order numbers carry right check characters
 * (lib/ids.c checks every one made); about one case in twelve has a defect
 * that eport-check finds (a copy not sealed, a document left out).  The
 * same SEED and index give the same case, however the cases are split into
 * runs of the generator.
 *
 * `bench-gen ready < IDS` takes stored cases (bare ids on stdin) through
 * check, accept and ready, as the commands do, so that a store has a known
 * number of cases for eport-ls -s and eport-ship due to find.  The steps
 * are timed by EPORT_NOW and signed by EPORT_USER. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "each.h"

static void
usage(void)
{
	fprintf(stderr, "usage: bench-gen cases [-s SEED] [-f FIRST] N DIR\n"
	    "       bench-gen ready < IDS\n"
	    "       bench-gen floor\n");
	exit(2);
}

/* splitmix64: one stream per case, from the seed and the case's index */
static uint64_t rs;

static uint64_t
rnd(void)
{
	uint64_t z = (rs += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned
below(unsigned n)
{
	return rnd() % n;
}

#define PICK(a) ((a)[below(LEN(a))])

static const char *const surnames[] = {
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马",
	"朱", "胡", "郭", "何", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "蔡",
	"曾", "洪", "庄", "苏", "叶", "卢",
};
static const char *const given[] = {
	"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳",
	"杰", "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "志强", "美玲",
	"文杰", "宇航", "丽华", "建国", "晓燕", "海峰", "雅婷", "俊杰", "思远", "婉清",
};
static const char *const districts[][2] = {
	{ "350203", "思明区" }, { "350205", "海沧区" }, { "350206", "湖里区" },
	{ "350211", "集美区" }, { "350212", "同安区" }, { "350213", "翔安区" },
};
static const char *const roads[] = {
	"湖滨南路", "厦禾路", "嘉禾路", "海沧大道", "枋湖北二路", "象屿路", "杏林湾路",
	"同集南路", "翔安南路", "仙岳路", "莲前东路", "环岛东路", "吕岭路", "金尚路",
};
static const char *const words[] = {
	"鑫达", "通达", "鹭港", "海联", "嘉信", "盛和", "恒远", "永丰", "华润", "宏图",
	"顺捷", "汇通", "金桥", "远洋", "新航", "亿家", "博源", "聚丰", "同创", "天成",
};
static const char *const trades[] = {
	"贸易", "物流", "进出口", "供应链", "国际货运代理", "电子科技", "食品", "机械设备",
};
static const char *const educations[] = { "本科", "大专", "硕士", "高中", "中专" };
static const char *const positions[] = {
	"报关员", "单证员", "关务主管", "物流经理", "财务", "总经理助理", "业务员",
};

static void
person_name(char *out, size_t n)
{
	snprintf(out, n, "%s%s", PICK(surnames), PICK(given));
}

static void
address(char *out, size_t n, int d)
{
	snprintf(out, n, "厦门市%s%s%u号%u室", districts[d][1], PICK(roads),
	    1 + below(999), 101 + below(20) * 100 + below(12));
}

static void
mobile(char *out)
{
	static const char *const pre[] = { "135", "136", "138", "139", "150", "158", "180", "186", "189" };

	snprintf(out, 12, "%s%08u", PICK(pre), below(100000000));
}

/* GB 32100: 91 (enterprise), a Xiamen division, an organisation code (GB
 * 11714, its own check character), the check character */
static void
uscc_make(char out[19], unsigned long g, int d)
{
	static const char alpha[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	static const int ow[] = { 3, 7, 9, 10, 5, 8, 4, 2 };
	static const int uw[] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28 };
	char org[9];
	int sum = 0, c;
	const char *why;

	/* MA + the index in base 31 makes every code new; the rest varies */
	snprintf(org, sizeof org, "MA%c%c%c%c%c%c", alpha[g / (31UL * 31 * 31) % 31],
	    alpha[g / (31UL * 31) % 31], alpha[g / 31 % 31], alpha[g % 31],
	    alpha[below(31)], alpha[below(31)]);
	for (int i = 0; i < 8; i++)
		sum += (org[i] <= '9' ? org[i] - '0' : org[i] - 'A' + 10) * ow[i];
	c = 11 - sum % 11;
	snprintf(out, 19, "91%s%s%c", districts[d][0], org,
	    c == 10 ? 'X' : c == 11 ? '0' : '0' + c);
	out[17] = '\0';
	sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (int)(strchr(alpha, out[i]) - alpha) * uw[i];
	out[17] = alpha[(31 - sum % 31) % 31];
	out[18] = '\0';
	if (uscc_check(out, &why) != ID_OK)
		die("made a bad USCC '%s': %s", out, why);
}

/* GB 11643: address code, birth date, sequence (odd for men), MOD 11-2 */
struct person {
	char name[32], id[19], birth[11], phone[12];
	char sex;
};

static void
person_make(struct person *p, const char *area)
{
	static const int w[] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	int y = 1960 + below(45), m = 1 + below(12), d = 1 + below(28), seq = below(1000);
	int sum = 0;
	struct idinfo info;

	person_name(p->name, sizeof p->name);
	snprintf(p->id, sizeof p->id, "%s%04d%02d%02d%03d", area, y, m, d, seq);
	for (int i = 0; i < 17; i++)
		sum += (p->id[i] - '0') * w[i];
	p->id[17] = "10X98765432"[sum % 11];
	p->id[18] = '\0';
	if (id_check(strncmp(area, "81", 2) ? "resident" : "hk-macau-permit", p->id, &info) != ID_OK)
		die("made a bad identity number '%s': %s", p->id, info.why);
	snprintf(p->birth, sizeof p->birth, "%04d-%02d-%02d", y, m, d);
	p->sex = seq % 2 ? 'M' : 'F';
	mobile(p->phone);
}

/* the scans ---------------------------------------------------------- */

static uint32_t crc_table[256];

static uint32_t
crc32(uint32_t crc, const unsigned char *p, size_t n)
{
	if (!crc_table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320U ^ (c >> 1) : c >> 1;
			crc_table[i] = c;
		}
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void
be32(struct buf *b, uint32_t v)
{
	unsigned char x[4] = { v >> 24, v >> 16, v >> 8, v };

	buf_add(b, x, 4);
}

static void
png_chunk(struct buf *b, const char *type, const struct buf *data)
{
	size_t at;

	be32(b, data ? data->len : 0);
	at = b->len;
	buf_add(b, type, 4);
	if (data && data->len)
		buf_add(b, data->s, data->len);
	be32(b, crc32(0, (unsigned char *)b->s + at, b->len - at));
}

/* An 8-bit grey image of a scanned card: a frame and noise.  The zlib
 * stream holds one stored (uncompressed) deflate block, so the file is as
 * large as its pixels. */
static void
png_make(struct buf *b)
{
	unsigned w = 16 + below(40), h = 12 + below(30), x, y;
	struct buf raw = { 0 }, z = { 0 }, ihdr = { 0 };
	uint32_t a = 1, s2 = 0;
	unsigned char hdr[3];

	for (y = 0; y < h; y++) {
		unsigned char row[64];

		row[0] = 0;	/* filter: none */
		for (x = 0; x < w; x++)
			row[1 + x] = x == 0 || y == 0 || x == w - 1 || y == h - 1 ? 0x20 :
			    0xd0 + below(0x30);
		buf_add(&raw, row, w + 1);
	}
	for (size_t i = 0; i < raw.len; i++) {
		a = (a + (unsigned char)raw.s[i]) % 65521;
		s2 = (s2 + a) % 65521;
	}
	buf_add(&z, "\x78\x01", 2);
	hdr[0] = 1;	/* the final block, stored */
	hdr[1] = raw.len & 0xff;
	hdr[2] = raw.len >> 8;
	buf_add(&z, hdr, 3);
	hdr[0] = ~raw.len & 0xff;
	hdr[1] = (~raw.len >> 8) & 0xff;
	buf_add(&z, hdr, 2);
	buf_add(&z, raw.s, raw.len);
	be32(&z, s2 << 16 | a);
	be32(&ihdr, w);
	be32(&ihdr, h);
	buf_add(&ihdr, "\x08\x00\x00\x00\x00", 5);	/* 8 bits, grey */
	buf_add(b, "\x89PNG\r\n\x1a\n", 8);
	png_chunk(b, "IHDR", &ihdr);
	png_chunk(b, "IDAT", &z);
	png_chunk(b, "IEND", NULL);
	buf_free(&raw);
	buf_free(&z);
	buf_free(&ihdr);
}

/* A one-page PDF with a few lines of text and a right cross-reference table. */
static void
pdf_make(struct buf *b, const char *kind, const char *ref, unsigned long g)
{
	struct buf text = { 0 };
	size_t off[6];
	unsigned lines = 2 + below(30);

	buf_printf(&text, "BT /F1 11 Tf 56 780 Td 14 TL (%s %s %lu) Tj\n", kind, ref, g);
	for (unsigned i = 0; i < lines; i++)
		buf_printf(&text, "T* (%016llx %016llx %08x) Tj\n", (unsigned long long)rnd(),
		    (unsigned long long)rnd(), below(0xffffffffu));
	buf_puts(&text, "ET\n");
	buf_puts(b, "%PDF-1.4\n");
	off[1] = b->len;
	buf_puts(b, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
	off[2] = b->len;
	buf_puts(b, "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n");
	off[3] = b->len;
	buf_puts(b, "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
	    "/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>\nendobj\n");
	off[4] = b->len;
	buf_printf(b, "4 0 obj\n<< /Length %zu >>\nstream\n", text.len);
	buf_add(b, text.s, text.len);
	buf_puts(b, "endstream\nendobj\n");
	off[5] = b->len;
	buf_puts(b, "5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n");
	off[0] = b->len;
	buf_puts(b, "xref\n0 6\n0000000000 65535 f \n");
	for (int i = 1; i < 6; i++)
		buf_printf(b, "%010zu 00000 n \n", off[i]);
	buf_printf(b, "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", off[0]);
	buf_free(&text);
}

/* the records -------------------------------------------------------- */

static const char *dir;
static unsigned long cur_dir = (unsigned long)-1;

static void
write_file(const char *path, const struct buf *b)
{
	FILE *fp = fopen(path, "wb");

	if (!fp)
		die("cannot create '%s':", path);
	if (fwrite(b->s, 1, b->len, fp) != b->len)
		die("%s:", path);
	fshut(fp, path);
}

/* A document of the case and its scan, scans/NNN/G-KIND-N.EXT */
static void
doc(json_t *docs, unsigned long g, const char *ref, const char *kind, const char *holder,
    int copies)
{
	int png = !strncmp(kind, "id-", 3) || !strcmp(kind, "payment");
	char rel[96], *full;
	struct buf b = { 0 };
	json_t *d;

	if (g / 1000 != cur_dir) {
		cur_dir = g / 1000;
		full = xasprintf("%s/scans/%03lu", dir, cur_dir);
		if (mkdir(full, 0755) < 0 && errno != EEXIST)
			die("cannot create '%s':", full);
		free(full);
	}
	snprintf(rel, sizeof rel, "scans/%03lu/%lu-%s-%zu.%s", g / 1000, g, kind,
	    json_array_size(docs) + 1, png ? "png" : "pdf");
	if (png)
		png_make(&b);
	else
		pdf_make(&b, kind, ref, g);
	full = xasprintf("%s/%s", dir, rel);
	write_file(full, &b);
	free(full);
	buf_free(&b);
	d = json_pack("{s:s, s:s, s:b}", "kind", kind, "file", rel, "sealed", 1);
	if (copies > 1)
		json_object_set_new(d, "copies", json_integer(copies));
	if (holder)
		json_object_set_new(d, "holder", json_string(holder));
	json_array_append_new(docs, d);
}

static json_t *
holder_json(const char *role, const struct person *p, int d)
{
	char addr[128];

	address(addr, sizeof addr, d);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "role", role, "name", p->name, "gender", p->sex == 'M' ? "M" : "F",
	    "education", PICK(educations),
	    "id_type", strncmp(p->id, "81", 2) ? "resident" : "hk-macau-permit",
	    "id_number", p->id, "birth_date", p->birth, "nationality",
	    strncmp(p->id, "81", 2) ? "CHN" : "HKG", "position",
	    strcmp(role, "legal") ? PICK(positions) : "法定代表人", "address", addr,
	    "phone", p->phone, "fax", "");
}

static void
card_json(json_t *cards, unsigned long g, int k, const char *role)
{
	char num[CARD_NUMBER_LEN + 1];

	/* cards of years gone by: 3700 YY and a six-digit sequence */
	card_number_make(20 + (g + k) % 6, (g * 7 + k) % 1000000, num);
	json_array_append_new(cards, json_pack("{s:s, s:s}", "number", num, "role", role));
}

/* business types in rough proportion to the office's year */
static const struct {
	const char *type;
	int weight;
} mix[] = {
	{ "onboard", 22 }, { "info-change", 6 }, { "operator-change", 8 },
	{ "operator-add", 14 }, { "reissue", 7 }, { "renew", 20 }, { "unlock", 16 },
	{ "reader", 4 }, { "deregister", 3 },
};

static json_t *
make_case(unsigned long g, uint64_t seed)
{
	const char *type = NULL, *channel = "post";
	char ref[16], uscc[19], ename[128], eaddr[128], when[32], order[20];
	struct person handler, hs[4];
	int nop = 0, d, w, legal = 0, i;
	json_t *rec, *holders, *cards, *docs;
	time_t t;
	struct tm tm;

	rs = seed * 0x100000001b3ULL ^ (g + 1) * 0x9e3779b97f4a7c15ULL;
	rnd();
	w = below(100);
	for (size_t k = 0; k < LEN(mix); k++)
		if ((w -= mix[k].weight) < 0 || k == LEN(mix) - 1) {
			type = mix[k].type;
			break;
		}
	d = below(LEN(districts));
	snprintf(ref, sizeof ref, "%013llu", 1100000000000ULL + g);
	uscc_make(uscc, g, d);
	snprintf(ename, sizeof ename, "厦门%s%s%s有限公司", PICK(words), PICK(words), PICK(trades));
	address(eaddr, sizeof eaddr, d);
	/* received on a working morning or afternoon of October 2026 */
	t = 1790784000 + (time_t)below(30) * 86400 + 30600 + below(8 * 3600);	/* from 2026-10-01T00:00+08 */
	fmt_time(t, when);
	person_make(&handler, districts[below(LEN(districts))][0]);

	if (!strcmp(type, "onboard") || !strcmp(type, "info-change") || !strcmp(type, "deregister"))
		legal = 1;
	if (!strcmp(type, "onboard")) {
		nop = 1 + below(3);
		channel = below(10) < 4 ? "online" : "post";
	} else if (!strcmp(type, "info-change"))
		nop = below(3);
	else if (!strcmp(type, "operator-change") || !strcmp(type, "operator-add"))
		nop = 1 + below(2);
	else if (!strcmp(type, "reissue") || !strcmp(type, "renew") || !strcmp(type, "unlock")) {
		if (below(4))
			nop = 1;
		else
			legal = 1;
	} else if (!strcmp(type, "reader"))
		channel = "online";
	for (i = 0; i < legal + nop; i++)
		/* one holder in twenty is from Hong Kong, on the residence permit */
		person_make(&hs[i], below(20) ? districts[below(LEN(districts))][0] : "810000");

	rec = json_pack("{s:s, s:s, s:s, s:s}", "ref", ref, "type", type, "channel", channel,
	    "received", when);
	if (!strcmp(channel, "post"))
		json_object_set_new(rec, "inbound", json_pack("{s:s, s:s}", "carrier", "EMS",
		    "tracking", ref));
	json_object_set_new(rec, "enterprise", json_pack("{s:s, s:s, s:s}", "uscc", uscc,
	    "name", ename, "address", eaddr));
	if (strcmp(type, "reader"))
		json_object_set_new(rec, "handler", json_pack("{s:s, s:s, s:s, s:s}", "name",
		    handler.name, "id_type", "resident", "id_number", handler.id, "phone", handler.phone));
	holders = json_array();
	for (i = 0; i < legal + nop; i++)
		json_array_append_new(holders, holder_json(i < legal ? "legal" : "operator", &hs[i], d));
	if (legal + nop)
		json_object_set_new(rec, "holders", holders);
	else
		json_decref(holders);

	cards = json_array();
	if (!strcmp(type, "info-change") || !strcmp(type, "deregister")) {
		card_json(cards, g, 0, "legal");
		for (i = 0; i < (int)below(3); i++)
			card_json(cards, g, 1 + i, "operator");
	} else if (!strcmp(type, "operator-change")) {
		card_json(cards, g, 0, "legal");
		for (i = 0; i < nop; i++)
			card_json(cards, g, 1 + i, "operator");
	} else if (!strcmp(type, "operator-add")) {
		card_json(cards, g, 0, "legal");
	} else if (!strcmp(type, "renew") || !strcmp(type, "unlock")) {
		card_json(cards, g, 0, legal ? "legal" : "operator");
	}
	if (json_array_size(cards))
		json_object_set_new(rec, "cards", cards);
	else
		json_decref(cards);
	if (!strcmp(type, "operator-add") || !strcmp(type, "reissue") || !strcmp(type, "reader")) {
		time_t ot = 1790784000 + (time_t)g * 37;	/* unique to the second */

		gmtime_r(&ot, &tm);
		strftime(order, sizeof order, "NF%Y%m%d%H%M%S", &tm);
		snprintf(order + 16, sizeof order - 16, "%03u", below(1000));
		if (!order_number_valid(order))
			die("made a bad order number '%s'", order);
		json_object_set_new(rec, "order", json_string(order));
	}
	if (!strcmp(type, "info-change"))
		json_object_set_new(rec, "change", json_string("企业名称及地址变更"));
	if (below(10) < 7 || !strcmp(type, "reader")) {
		char maddr[128];

		address(maddr, sizeof maddr, d);
		json_object_set_new(rec, "pickup", json_string("mail"));
		json_object_set_new(rec, "mail", json_pack("{s:s, s:s, s:s}", "recipient",
		    handler.name, "phone", handler.phone, "address", maddr));
	} else {
		json_object_set_new(rec, "pickup", json_string("window"));
	}
	if (!strcmp(type, "deregister"))
		json_object_set_new(rec, "attest", json_pack("{s:b}", "no_tripartite", 1));

	docs = json_array();
	if (!strcmp(type, "onboard") || !strcmp(type, "info-change"))
		doc(docs, g, ref, "license", NULL, 1);
	if (!strcmp(type, "onboard") && !strcmp(channel, "online"))
		doc(docs, g, ref, "poa", NULL, 1);
	if (strcmp(channel, "online") && strcmp(type, "reader"))
		doc(docs, g, ref, "form1", NULL, 1);
	if (!strcmp(type, "info-change"))
		doc(docs, g, ref, "form3", NULL, 1);
	if (!strcmp(type, "deregister"))
		doc(docs, g, ref, "form4", NULL, 2);
	for (i = 0; i < legal + nop; i++) {
		int per = !strcmp(type, "onboard") || !strcmp(type, "info-change") ||
		    !strcmp(type, "operator-change") || !strcmp(type, "operator-add");

		if (per && strcmp(channel, "online"))
			doc(docs, g, ref, "form2", hs[i].id, 1);
		if (!strcmp(type, "reissue") || !strcmp(type, "renew") || !strcmp(type, "unlock"))
			doc(docs, g, ref, "id-holder", hs[i].id, 1);
		else if (i < legal)
			doc(docs, g, ref, "id-legal", NULL, 1);
		else if (strcmp(type, "deregister"))
			doc(docs, g, ref, "id-operator", hs[i].id, 1);
	}
	if (!strcmp(type, "operator-add") || !strcmp(type, "reissue") || !strcmp(type, "reader"))
		doc(docs, g, ref, "payment", NULL, 1);
	if (!strcmp(type, "reader"))
		doc(docs, g, ref, "poa", NULL, 1);
	else
		doc(docs, g, ref, "id-handler", NULL, 1);
	/* the defects the office sees most: a copy without the seal, one left out */
	if (below(12) == 0) {
		size_t n = json_array_size(docs), k = below(n);

		if (below(2))
			json_object_set_new(json_array_get(docs, k), "sealed", json_false());
		else if (n > 1)
			json_array_remove(docs, k);
	}
	json_object_set_new(rec, "documents", docs);
	return rec;
}

static int
gen_cases(int argc, char *argv[])
{
	unsigned long n, first = 0, seed = 1;
	char *path, *end;
	FILE *fp;
	int c;

	while ((c = getopt(argc, argv, "f:s:h")) != -1) {
		switch (c) {
		case 'f':
			first = strtoul(optarg, &end, 10);
			if (*end)
				usage();
			break;
		case 's':
			seed = strtoul(optarg, &end, 10);
			if (*end)
				usage();
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		usage();
	n = strtoul(argv[0], &end, 10);
	if (*end || !*argv[0])
		usage();
	dir = argv[1];
	path = xasprintf("%s/scans", dir);
	if ((mkdir(dir, 0755) < 0 && errno != EEXIST) || (mkdir(path, 0755) < 0 && errno != EEXIST))
		die("cannot create '%s':", path);
	free(path);
	path = xasprintf("%s/cases.jsonl", dir);
	if (!(fp = fopen(path, "w")))
		die("cannot create '%s':", path);
	for (unsigned long g = first; g < first + n; g++) {
		json_t *rec = make_case(g, seed);

		if (json_dumpf(rec, fp, JSON_COMPACT) < 0 || putc('\n', fp) == EOF)
			die("%s:", path);
		json_decref(rec);
	}
	fshut(fp, path);
	free(path);
	return eport_exit();
}

/* ready: check, accept and ready, one audited step each */
static int
ready_one(struct eport *st, MDB_txn *txn, json_t *kase, const struct item *it,
    json_t **row, void *arg)
{
	static const char *const steps[][2] = {
		{ "check", "checked" }, { "accept", "accepted" }, { "ready", "ready" },
	};
	int rc;

	(void)it;
	(void)arg;
	if (strcmp(jstr(kase, "state"), "received")) {
		snprintf(st->errbuf, sizeof st->errbuf, "state '%s', not received",
		    jstr(kase, "state"));
		return 1;
	}
	for (size_t i = 0; i < LEN(steps); i++) {
		struct step s = { .action = steps[i][0], .to = steps[i][1], .why = "bench" };

		if ((rc = case_step(st, txn, kase, &s)))
			return rc;
	}
	*row = json_pack("{s:s}", "id", jstr(kase, "id"));
	return 0;
}

static int
gen_ready(int argc)
{
	static const char *const cols[] = { "id", NULL };
	struct out out = { stdout, 0, cols, 1 };
	struct each e = { .fn = ready_one, .out = &out };
	struct eport st;

	if (argc != 1)
		usage();
	if (eport_open(&st, 0) < 0)
		die("%s", st.errbuf);
	cases_each(&st, 0, NULL, &e);
	eport_close(&st);
	return eport_exit();
}

/* floor: every stored case read and written out again as JSON Lines, with
 * jansson, as eport-check must at the least (it stores the findings in the
 * case): the bound under the check row, measured against the same jq. */
static int
gen_floor(int argc)
{
	struct eport st;
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if (argc != 1)
		usage();
	txn = eport_open_read(&st);
	if ((rc = mdb_cursor_open(txn, st.dbi[DB_CASES], &c)))
		die("db: %s", store_err(rc));
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		json_error_t e;
		json_t *kase = json_loadb(v.mv_data, v.mv_size, 0, &e);

		if (!kase)
			die("%.*s: %s", (int)k.mv_size, (char *)k.mv_data, e.text);
		if (json_dumpf(kase, stdout, JSON_COMPACT) < 0 || putchar('\n') == EOF)
			die("stdout:");
		json_decref(kase);
	}
	if (rc != MDB_NOTFOUND)
		die("db: %s", store_err(rc));
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	eport_close(&st);
	return eport_exit();
}

int
main(int argc, char *argv[])
{
	setprogname(argv[0]);
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "cases"))
		return gen_cases(argc - 1, argv + 1);
	if (!strcmp(argv[1], "ready"))
		return gen_ready(argc - 1);
	if (!strcmp(argv[1], "floor"))
		return gen_floor(argc - 1);
	usage();
}
