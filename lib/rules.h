/* rules.h: the rulebook and its checks, the order export, review
 * decisions, posting days and waits. */
#ifndef EPORT_RULES_H
#define EPORT_RULES_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>
#include <lmdb.h>

#include "base.h"
#include "cal.h"
#include "store.h"

/* rules.c: the rulebook (rules.tsv and kinds.tsv) and the checks of one
 * case record against it (DESIGN.md, findings of eport-check). */
#define RULES_UPLOAD_MAX (4u << 20)	/* an online upload: at most 4 MiB */
struct rulebook;
/* The rulebook in layers (layers_load): kinds.tsv of share/eport, of
 * /etc/eport and of home (when not NULL), a later line for a kind
 * replacing it; then rules.tsv of each, a later line for a requirement
 * (type, channel, pickup, what, per, arg) replacing it, with n 0 taking it
 * out.  NULL with "path:line: why" in err. */
struct rulebook *rules_load(const char *home, char *err, size_t errlen);
struct rulebook *rules_load_dir(const char *dir, char *err, size_t errlen);	/* dir alone */
/* sha256 (hex) of the files read, in order (their names and bytes): the
 * case's checked_with */
const char *rules_digest(const struct rulebook *);
void rules_free(struct rulebook *);
const char *kind_name(const struct rulebook *, const char *kind);	/* Chinese; NULL if unknown */
const char *file_format(const void *, size_t);	/* "jpeg", "png", "gif", "bmp", "pdf" or NULL */
/* What the store knows, for the checks that need it; every callback may be
 * NULL (no store: those checks are skipped).  JSON the callbacks return is a
 * new reference, released by the checks.  Shapes:
 *   card:  {"number", "role": "legal"|"operator", "uscc", "holder" (name),
 *           "id_number", "state": "active"|"revoked", "case" (the case that
 *           wrote it, optional)}
 *   order: {"order", "time", "status": 待支付|待认证|待开票|待提货|待退款|完成,
 *           "office": "厦门分中心", "pickup": "关区取货"|"厂家邮寄",
 *           "lines": [{"product": "智能IC卡-操作员", "qty": 2, "amount": "..."}],
 *           "recipient", "phone", "address", ...}
 * open_cases: the enterprise's cases that are not over (case_done), as stored
 * (id, type, state, holders, issued, ...), the case being checked among them.
 * doc_bytes fills out (a zeroed buf) with a document's bytes and returns 0, or
 * -1 when it has none; it may stop after RULES_UPLOAD_MAX + 1 bytes.
 * ems_names: check.ems-names, China Post's names for EMS, a comma list (NULL:
 * EMS, 中国邮政EMS, 邮政EMS, 中国邮政速递物流, China Post EMS). */
struct check_env {
	void *arg;
	const char *self_id;	/* the stored case being checked, or NULL */
	int (*doc_bytes)(void *arg, const json_t *doc, struct buf *out);
	json_t *(*card)(void *arg, const char *number);		/* or NULL */
	json_t *(*enterprise_cards)(void *arg, const char *uscc);	/* active cards: array */
	json_t *(*holder_card)(void *arg, const char *uscc, const char *id_number); /* active operator card */
	json_t *(*order)(void *arg, const char *number);		/* or NULL */
	const char *(*order_case)(void *arg, const char *number);	/* the case holding it, or NULL */
	int (*enterprise_closed)(void *arg, const char *uscc);
	json_t *(*open_cases)(void *arg, const char *uscc);		/* array */
	const char *ems_names;
};
/* The findings: [{"severity": "block"|"warn", "rule", "path", "message"}].
 * path: a field (holders.2.id_number, mail.phone), a document (documents.3),
 * a required document missing: documents.KIND, or documents.KIND[ID_NUMBER]
 * for one holder's (documents.KIND[holders.N] when the holder has no number);
 * a card missing: cards[legal], cards[operator], or cards[NUMBER] for a card
 * the store knows; holders[legal] when the case lacks such a holder. */
json_t *rules_check(const struct rulebook *, const json_t *rec, const struct check_env *);
/* The first blocking finding whose rule is one of only (NULL: any), or NULL;
 * a borrowed reference. */
const json_t *rules_first_block(const json_t *findings, const char *const *only);

/* wait.c: how long cases wait (eport-ls -w, eport-ship uncollected). */
/* When the case entered its present state (its last step into it) and who
 * took its last step (*by, malloc'd): 0, or -1 when no time reads back. */
int case_entered(struct eport *, MDB_txn *, const json_t *kase, time_t *since, char **by);
/* The working days after the day a step at since counts from, up to the
 * day of now: 0 on that day itself; -1 when the calendar lacks a year on
 * the way (the first such year in *gap): the calendar fails closed. */
long workdays_since(const struct cal *, time_t since, time_t now, int *gap);
/* {"id", "type", "uscc", "state", "since", "days", "by"} */
json_t *wait_row(struct eport *, MDB_txn *, const struct cal *, const json_t *kase,
    time_t now, int *gap);

/* order.c: the sales platform's order export (eport-order import). */
extern const char *const order_statuses[];	/* 待支付 待认证 待开票 待提货 待退款 完成 */
int order_status_valid(const char *);
/* One export, CSV or TSV (a tab in the header line), UTF-8 (a BOM
 * tolerated) or GB18030, one row per order line, into *orders: one record
 * per order number (the shape struct check_env documents, "qty" an integer;
 * a member for each column the export has, "" when empty), its rows merged
 * into "lines", in the order first seen.  An order with a bad row is left
 * out.  *refused: [{"line", "column" ("" for the file), "message"}], one per
 * problem.  Both are new references.  0 parsed (some rows may be refused);
 * -1 the whole file is refused; -2 a system error (the last refusal, line 0,
 * says which). */
int order_parse(const void *, size_t, json_t **orders, json_t **refused);
char *order_products(const json_t *order);	/* "智能IC卡-操作员x2,读卡器x1" (malloc'd) */

/* decide.c: review decisions and the public status query. */
const char *type_name(const char *type);	/* 新入网企业制卡, ...; NULL if unknown */
int rules_blocking(const json_t *findings);	/* 1 if a finding blocks */
/* May user take action (accept, reject, return, withdraw) on the case?  0
 * yes; 1 no, with why ("case is received, not checked", "four eyes: ...").
 * Four eyes: neither the case's "by" (intake) nor anyone in its
 * "materials_by" (attach, amend) accepts it. */
int review_guard(const json_t *kase, const char *action, const char *user,
    char *why, size_t len);
void materials_by_add(json_t *kase, const char *user);	/* user supplied or changed materials */
int withdrawable(const char *state);	/* before shipped: received ... ready */
/* The case as the public status query shows it: 已受理, 待补正, 不予受理,
 * 已撤回, 审核通过, 领卡, 待邮寄, 已邮寄, and once it is delivered, collected
 * or closed how it ended: 已办结 · 不予受理, 已办结 · 已撤回, 已办结 · 已领取,
 * 已办结 · 已签收, ...; *detail (malloc'd, maybe "") what is missing, the
 * reason, or the tracking number. */
const char *public_status(const json_t *kase, char **detail);

/* ship.c: posting back by EMS (DESIGN.md section 7). */
/* When the case was accepted: its `accepted` member, else the last accept
 * event of its history.  0, or -1 when it has neither. */
int ship_accepted(struct eport *, MDB_txn *, const json_t *kase, time_t *);
/* The day it is due to be posted (cal_posting): 0; -1 no acceptance time;
 * -2 not a type or past 9999-12-31; CAL_GAP (the year in *gap) unknown
 * until the calendar holds that year. */
int ship_posting(struct eport *, MDB_txn *, const struct cal *, const json_t *kase,
    long *day, int *gap);
/* What its parcel holds: "电子口岸卡 x2, 读卡器 x1" (malloc'd). */
char *ship_contents(struct eport *, MDB_txn *, const json_t *kase);

#endif
