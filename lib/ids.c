/* ids.c: validators of the numbers a case carries: the USCC (GB 32100-2015)
 * and its organisation code (GB 11714), identity numbers (GB 11643-1999 and
 * the permits and cards of facts/README.md), phones, EMS and UPU S10
 * tracking numbers, sales-platform orders and E-Port card numbers.  Pure
 * functions: no allocation, no clock. */
#include <string.h>
#include <time.h>

#include "base.h"
#include "ids.h"

static const char uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int
all_in(const char *s, size_t n, char lo, char hi)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < lo || s[i] > hi)
			return 0;
	return 1;
}

#define all_digits(s, n) all_in(s, n, '0', '9')
#define all_upper(s, n) all_in(s, n, 'A', 'Z')

static int
uscc_value(char c)
{
	const char *p = c ? strchr(uscc_alphabet, c) : NULL;

	return p ? (int)(p - uscc_alphabet) : -1;
}

int
orgcode_valid(const char *s)
{
	static const int w[] = { 3, 7, 9, 10, 5, 8, 4, 2 };
	int sum = 0, c;

	if (strlen(s) != 9)
		return 0;
	for (int i = 0; i < 8; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			sum += (s[i] - '0') * w[i];
		else if (s[i] >= 'A' && s[i] <= 'Z')
			sum += (s[i] - 'A' + 10) * w[i];
		else
			return 0;
	}
	c = 11 - sum % 11;
	return s[8] == (c == 10 ? 'X' : c == 11 ? '0' : '0' + c);
}

void
uscc_orgcode(const char *uscc, char out[10])
{
	size_t n = strlen(uscc);

	out[0] = '\0';
	if (n == 18) {
		memcpy(out, uscc + 8, 9);
		out[9] = '\0';
	}
}

int
uscc_check(const char *s, const char **why)
{
	static const int w[] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28 };
	int sum = 0, v;
	char org[10];

	*why = NULL;
	if (strlen(s) != 18) {
		*why = N_("not 18 characters");
		return ID_BAD;
	}
	if (!all_digits(s + 2, 6)) {
		*why = N_("the division code is not 6 digits");
		return ID_BAD;
	}
	for (int i = 0; i < 18; i++)
		if (uscc_value(s[i]) < 0) {
			*why = N_("a character outside the USCC alphabet");
			return ID_BAD;
		}
	for (int i = 0; i < 17; i++)
		sum += uscc_value(s[i]) * w[i];
	v = (31 - sum % 31) % 31;
	if (s[17] == uscc_alphabet[v])
		return ID_OK;
	/* the pre-2016 pilot was Fujian's (division 35....): elsewhere a good
	 * organisation code only hides a typo */
	uscc_orgcode(s, org);
	if (orgcode_valid(org) && strncmp(s + 2, "35", 2) == 0) {
		*why = N_("bad check character, good organisation code");
		return ID_LEGACY;
	}
	*why = N_("bad check character");
	return ID_BAD;
}

char
uscc_check_char(const char *s)
{
	static const int w[] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28 };
	int sum = 0;

	if (strlen(s) != 18)
		return 0;
	for (int i = 0; i < 17; i++) {
		if (uscc_value(s[i]) < 0)
			return 0;
		sum += uscc_value(s[i]) * w[i];
	}
	return uscc_alphabet[(31 - sum % 31) % 31];
}

/* GB 11643 MOD 11-2 over the first 17 digits */
static char
mod11_2(const char *s)
{
	static const int w[] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	static const char map[] = "10X98765432";
	int sum = 0;

	for (int i = 0; i < 17; i++)
		sum += (s[i] - '0') * w[i];
	return map[sum % 11];
}

static int
num(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* YYYYMMDD (digits already checked), a real date from 1800 on (the
 * standard's own example was born in 1880): timegm moves an impossible day
 * into the next month */
static int
ymd_real(const char *s)
{
	int y = num(s, 4), m = num(s + 4, 2), d = num(s + 6, 2);
	struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12 };

	if (y < 1800 || m < 1 || m > 12 || d < 1)
		return 0;
	timegm(&tm);
	return tm.tm_mon == m - 1 && tm.tm_mday == d;
}

static int
bad(struct idinfo *o, const char *why, const char *why_zh)
{
	o->why = why;
	o->why_zh = why_zh;
	return ID_BAD;
}

/* The 18-character form shared by resident numbers, residence permits and
 * the 2023 permanent residence card: digits, a real birth date at 7..14, the
 * sex in digit 17, the MOD 11-2 check. */
static int
check18(const char *s, struct idinfo *o)
{
	if (strlen(s) != 18)
		return bad(o, N_("not 18 characters"), "应为18位");
	if (!all_digits(s, 17) || !(all_digits(s + 17, 1) || s[17] == 'X'))
		return bad(o, N_("not 17 digits and a check digit or X"), "应为17位数字加校验位");
	if (!ymd_real(s + 6))
		return bad(o, N_("impossible birth date"), "出生日期不存在");
	if (mod11_2(s) != s[17])
		return bad(o, N_("bad check digit"), "校验位错误");
	snprintf(o->birth, sizeof o->birth, "%.4s-%.2s-%.2s", s + 6, s + 10, s + 12);
	o->sex = (s[16] - '0') % 2 ? 'M' : 'F';
	return ID_OK;
}

static int
permit18(const char *s, struct idinfo *o, const char *const codes[])
{
	for (int i = 0; codes[i]; i++)
		if (strncmp(s, codes[i], 6) == 0)
			return check18(s, o);
	return bad(o, N_("not the address code of this residence permit"), "居住证地址码不符");
}

int
id_check(const char *type, const char *s, struct idinfo *o)
{
	static const char *const hkmo[] = { "810000", "820000", NULL };
	static const char *const tw[] = { "830000", NULL };
	size_t n = strlen(s);

	memset(o, 0, sizeof *o);
	if (!type || !*type)
		type = "resident";
	if (strcmp(type, "resident") == 0) {
		if (n == 18 && s[0] == '8')
			return bad(o, N_("a residence permit number, not a resident one"), "为港澳台居民居住证号码，证件类别应为港澳或台湾居民证件");
		if (n == 18 && (s[0] < '1' || s[0] > '6'))
			return bad(o, N_("bad address code"), "地址码错误");
		return check18(s, o);
	}
	if (strcmp(type, "hk-macau-permit") == 0) {
		/* 回乡证: H or M, 8 digits, maybe 2 more (the renewal count) */
		if ((s[0] == 'H' || s[0] == 'M') && (n == 9 || n == 11) && all_digits(s + 1, n - 1))
			return ID_OK;
		if (n == 18)
			return permit18(s, o, hkmo);
		return bad(o, N_("not H or M and 8 or 10 digits, nor an 18-digit residence permit"),
		    "应为H或M加8位或10位数字，或18位居住证号码");
	}
	if (strcmp(type, "taiwan-permit") == 0) {
		/* 台胞证: 8 digits */
		if (n == 8 && all_digits(s, 8))
			return ID_OK;
		if (n == 18)
			return permit18(s, o, tw);
		return bad(o, N_("not 8 digits, nor an 18-digit residence permit"), "应为8位数字，或18位居住证号码");
	}
	if (strcmp(type, "foreign-permanent") == 0) {
		if (n == 15 && all_upper(s, 3) && all_digits(s + 3, 12))
			return ID_OK;	/* 2017 card */
		if (n == 18 && s[0] != '9')
			return bad(o, N_("an 18-digit card that does not start with 9"), "18位号码应以9开头");
		if (n == 18)
			return check18(s, o);
		return bad(o, N_("not 18 digits, nor 3 letters and 12 digits"), "应为18位数字，或3位字母加12位数字");
	}
	if (strcmp(type, "passport") == 0) {
		if (n < 5 || n > 17)
			return bad(o, N_("not 5 to 17 characters"), "应为5至17位");
		for (size_t i = 0; i < n; i++)
			if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z')))
				return bad(o, N_("not capital letters and digits"), "只能由大写字母和数字组成");
		return ID_OK;
	}
	return bad(o, N_("unknown id_type"), "证件类别未知");
}

const char *const id_types[] = {
	"resident", "hk-macau-permit", "taiwan-permit", "foreign-permanent", "passport", NULL
};

int
id_type_valid(const char *type)
{
	for (int i = 0; id_types[i]; i++)
		if (strcmp(type, id_types[i]) == 0)
			return 1;
	return 0;
}

int
phone_mobile(const char *s)
{
	if (strncmp(s, "+86", 3) == 0)
		s += 3;
	else if (strncmp(s, "0086", 4) == 0)
		s += 4;
	return strlen(s) == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9' && all_digits(s, 11);
}

static size_t
digits(const char *s)
{
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9')
		n++;
	return n;
}

int
phone_landline(const char *s)
{
	size_t n = digits(s);

	if (s[0] == '0' && (n == 3 || n == 4) && s[n] == '-') {
		s += n + 1;
		n = digits(s);
	}
	if (n < 7 || n > 8)
		return 0;
	s += n;
	if (*s == '-') {
		n = digits(++s);
		if (n < 1 || n > 6)
			return 0;
		s += n;
	}
	return *s == '\0';
}

int
phone_valid(const char *s)
{
	return phone_mobile(s) || phone_landline(s);
}

int
ems_valid(const char *s)
{
	return strlen(s) == 13 && all_digits(s, 13);
}

int
s10_valid(const char *s)
{
	static const int w[] = { 8, 6, 4, 2, 3, 5, 9, 7 };
	int sum = 0, c;

	if (strlen(s) != 13 || !all_upper(s, 2) || !all_digits(s + 2, 9) || !all_upper(s + 11, 2))
		return 0;
	for (int i = 0; i < 8; i++)
		sum += (s[2 + i] - '0') * w[i];
	c = 11 - sum % 11;
	c = c == 10 ? 0 : c == 11 ? 5 : c;
	return s[10] - '0' == c;
}

int
tracking_valid(const char *s)
{
	return ems_valid(s) || s10_valid(s);
}

int
order_number_valid(const char *s)
{
	const char *t = s + 2;

	if (strlen(s) != 19 || strncmp(s, "NF", 2) != 0 || !all_digits(t, 17))
		return 0;
	return ymd_real(t) && num(t + 8, 2) < 24 && num(t + 10, 2) < 60 && num(t + 12, 2) < 60;
}

/* Luhn check digit of a string of digits (the check digit not included) */
static int
luhn(const char *s, size_t n)
{
	int sum = 0, dbl = 1;

	for (size_t i = n; i-- > 0; dbl = !dbl) {
		int d = (s[i] - '0') * (dbl ? 2 : 1);

		sum += d > 9 ? d - 9 : d;
	}
	return (10 - sum % 10) % 10;
}

int
card_number_make(int year, unsigned long seq, char out[CARD_NUMBER_LEN + 1])
{
	if (year < 0 || seq > 999999)
		return -1;
	snprintf(out, CARD_NUMBER_LEN + 1, "3700%02d%06lu", year % 100, seq);
	out[12] = '0' + luhn(out, 12);
	out[13] = '\0';
	return 0;
}

int
card_number_check(const char *s)
{
	size_t n = strlen(s);

	/* the shape of a new number must carry its check digit: a typo in one
	 * is caught, not taken for a legacy number */
	if (n == CARD_NUMBER_LEN && strncmp(s, "3700", 4) == 0 && all_digits(s, n))
		return s[12] - '0' == luhn(s, 12) ? CARD_NEW : CARD_BAD;
	if (n < 8 || n > 20)
		return CARD_BAD;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z')))
			return CARD_BAD;
	return CARD_LEGACY;
}
