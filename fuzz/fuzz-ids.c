/* fuzz-ids: the validators of lib/ids.c on one string (the input up to its
 * first NUL), with what each promises: a reason exactly when refused, a birth
 * date and sex only from a good 18-digit number, a card number made from the
 * input's digits passes its own check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eport.h"

/* YYYY-MM-DD from 1800 on (ids.c takes the standard's example of 1880) */
static int
ymd(const char *b)
{
	int y, m, d, n = 0;

	if (strlen(b) != 10 || sscanf(b, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
		return 0;
	if (y < 1800 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= (m == 2 ? ((y % 4 == 0 && y % 100) || y % 400 == 0 ? 29 : 28) :
	    m == 4 || m == 6 || m == 9 || m == 11 ? 30 : 31);
}

static void
id_all(const char *s)
{
	static const char *const more[] = { "", "RESIDENT", "resident ", NULL };
	struct idinfo o;
	int rc;

	for (int i = 0; id_types[i]; i++) {
		if (!id_type_valid(id_types[i]))
			abort();
		rc = id_check(id_types[i], s, &o);
		if (rc == ID_OK ? o.why != NULL : rc != ID_BAD || !o.why || !o.why_zh)
			abort();
		if (o.birth[0] && (rc != ID_OK || strlen(s) != 18 || !ymd(o.birth) ||
		    (o.sex != 'M' && o.sex != 'F')))
			abort();
	}
	for (int i = 0; more[i]; i++)
		(void)id_check(more[i], s, &o);
	(void)id_check(NULL, s, &o);
	(void)id_check(s, "350203198005120316", &o);	/* the input as a type */
	(void)id_type_valid(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), org[10], card[CARD_NUMBER_LEN + 1];
	const char *why;
	int rc;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	rc = uscc_check(s, &why);
	if (rc == ID_OK ? why != NULL || strlen(s) != 18 : !why)
		abort();
	(void)orgcode_valid(s);
	uscc_orgcode(s, org);
	if (strlen(org) != (strlen(s) == 18 ? 9u : 0u))
		abort();
	if (rc == ID_LEGACY && (!orgcode_valid(org) || strncmp(s + 2, "35", 2)))
		abort();
	if (rc == ID_OK && uscc_check_char(s) != s[17])
		abort();
	id_all(s);
	if (phone_valid(s) != (phone_mobile(s) || phone_landline(s)))
		abort();
	if (tracking_valid(s) != (ems_valid(s) || s10_valid(s)))
		abort();
	(void)order_number_valid(s);
	rc = card_number_check(s);
	if (rc != CARD_BAD && rc != CARD_NEW && rc != CARD_LEGACY)
		abort();
	if (size >= 4) {
		int year = data[0] | data[1] << 8;
		unsigned long seq = (unsigned long)data[2] << 16 | data[3] << 8 | (size > 4 ? data[4] : 0);

		seq %= 1000000;
		if (card_number_make(year, seq, card) < 0)
			abort();
		if (strlen(card) != CARD_NUMBER_LEN || card_number_check(card) != CARD_NEW)
			abort();
		card[12] = card[12] == '9' ? '0' : card[12] + 1;	/* a typo in the check digit */
		if (card_number_check(card) != CARD_BAD)
			abort();
	}
	free(s);
	return 0;
}
