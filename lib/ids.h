/* ids.h: the validators of the numbers a case carries (no library). */
#ifndef EPORT_IDS_H
#define EPORT_IDS_H

/* ids.c: validators (USCC, identity numbers, phones, tracking, orders). */
enum { ID_BAD = -1, ID_OK = 0, ID_LEGACY = 1 };
/* ID_OK; ID_LEGACY when the check character fails but the embedded
 * organisation code passes and the division code is Fujian's (35....: the
 * pre-2016 pilot codes, warn, never refuse); ID_BAD.  why: an English
 * reason, NULL when OK. */
int uscc_check(const char *, const char **why);
char uscc_check_char(const char *);	/* what position 18 should be; 0 if malformed */
int orgcode_valid(const char *);			/* GB 11714, 9 characters */
void uscc_orgcode(const char *uscc, char out[10]);	/* positions 9..17; "" unless 18 long */
struct idinfo {
	char birth[11];		/* YYYY-MM-DD the number carries, else "" */
	char sex;		/* 'M', 'F', or 0 where the number carries none */
	const char *why, *why_zh;	/* the reason when bad */
};
extern const char *const id_types[];	/* resident, hk-macau-permit, ... NULL */
int id_type_valid(const char *);
/* ID_OK or ID_BAD; an empty or NULL id_type is resident.  hk-macau-permit:
 * 回乡证 (H/M + 8 or 10 digits) or the 18-digit residence permit (810000,
 * 820000); taiwan-permit: 台胞证 (8 digits) or the residence permit (830000);
 * foreign-permanent: the 2023 card (18 digits, 9...) or the 2017 one (3
 * letters + 12 digits); passport: [A-Z0-9]{5,17}. */
int id_check(const char *id_type, const char *number, struct idinfo *);
int phone_mobile(const char *);		/* 1[3-9]xxxxxxxxx, +86 or 0086 allowed */
int phone_landline(const char *);	/* [0xx(x)-]xxxxxxx(x)[-ext] */
int phone_valid(const char *);
int ems_valid(const char *);		/* domestic EMS: 13 digits */
int s10_valid(const char *);		/* UPU S10 with its check digit */
int tracking_valid(const char *);
int order_number_valid(const char *);	/* NF + YYYYMMDDhhmmss + 3 digits */
#define CARD_NUMBER_LEN 13		/* 3700 YY SSSSSS and a Luhn digit */
enum { CARD_BAD, CARD_NEW, CARD_LEGACY };
int card_number_make(int year, unsigned long seq, char out[CARD_NUMBER_LEN + 1]);
int card_number_check(const char *);	/* CARD_NEW, CARD_LEGACY (8-20 alnum) or CARD_BAD */

#endif
