/* types.h: the business types (no library). */
#ifndef EPORT_TYPES_H
#define EPORT_TYPES_H

/* types.c: the business types, one table (DESIGN.md section 1). */
enum {
	BT_WRITE = 1,		/* eport-card write: a new card for each holder */
	BT_REWRITE = 2,		/* ... the holder's card rewritten in place */
	BT_UNLOCK = 4,		/* eport-card unlock */
	BT_RENEW = 8,		/* eport-card renew */
	BT_NOCARD = 16,		/* no card work: ready on acceptance */
	BT_NOTHING_BACK = 32,	/* nothing posted back: closes from ready */
};
struct btype {
	const char *name;	/* onboard, ...: the name in records */
	const char *zh;		/* 新入网企业制卡, ... */
	int posting;		/* working days to the posting day */
	unsigned work;		/* BT_* */
};
extern const struct btype btypes[];	/* ended by a NULL name */
const struct btype *btype(const char *name);	/* NULL if not a type */
int btype_has(const char *name, unsigned work);	/* of any of work */

#endif
