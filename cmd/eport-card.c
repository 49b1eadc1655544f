/* eport-card: the E-Port cards, on a PC/SC reader through the PIV card
 * application (DESIGN.md section 6).  status reads the card in the reader
 * (and warns when its certificate is near its end); write personalises a
 * card for a holder of an accepted case; unlock and renew act on the case's
 * card; revoke and ls keep the card registry; expiring lists the active
 * cards near their end, with whom to tell (DESIGN.md section 8).
 * Writes: the card first, then one LMDB transaction with the registry and
 * the case's steps (git objects written before it commits, the ref moved
 * after); a line is printed only then.  The rules that hold across cases
 * (payment, the card's holder, one operator card per person in an
 * enterprise) are checked before the card is touched and again inside that
 * transaction; a new card refused there is made blank again.  Records out: TSV with a header, or
 * JSON Lines (-j).  The card's PUK and management key are made from the
 * master key when needed, wiped after use, and never leave the process
 * except to the card; PINs never come from argv. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "each.h"

static int jflag, dry;
static const char *reader_opt, *reason, *uscc_opt, *state_opt, *days_opt;
static struct eport st;
static int st_open;
static struct reader *rd;
static struct out out;
static struct card_keys keys, oldkeys;	/* wiped at exit, whatever the path */
static char *keydir;
static struct rulebook *rb;

/* The findings that stop card work even after acceptance: what can change
 * in the store meanwhile (an order refunded, a card revoked, another case). */
static const char *const card_rules[] = {
	"order-missing", "order-unknown", "order-used", "order-mismatch", "order-unpaid",
	"card-holder", "card-revoked", "case-open", "enterprise-closed", NULL
};

static const char *const status_cols[] = {
	"card", "role", "holder", "uscc", "enterprise", "not_after", "pin_tries", NULL
};
static const char *const job_cols[] = { "card", "case", "holder", NULL };
static const char *const ls_cols[] = {
	"number", "uscc", "holder", "role", "state", "serial", "not_after",
	"revoked", "why", "revoked_by", NULL
};
static const char *const expiring_cols[] = {
	"card", "role", "holder", "uscc", "enterprise", "not_after", "days", "case",
	"contact", "phone", NULL
};

static const char usage_text[] = N_("usage: eport-card status [-j] [-r READER]\n"
    "       eport-card write [-jn] [-r READER] CASE [HOLDER]\n"
    "       eport-card unlock [-jn] [-r READER] CASE\n"
    "       eport-card renew [-jn] [-r READER] CASE\n"
    "       eport-card revoke [-jn] -m REASON CARD\n"
    "       eport-card ls [-j] [-s STATE] [-u USCC]\n"
    "       eport-card expiring [-j] [-d DAYS]\n");

static void
wipe(void)
{
	cleanse(&keys, sizeof keys);
	cleanse(&oldkeys, sizeof oldkeys);
}

/* On every way out, die() too: the card reset (nothing stays authenticated)
 * and handed back to pcscd at once, not when pcscd finds us gone. */
static void
at_exit(void)
{
	wipe();
	pcsc_close(rd);
	rd = NULL;
}

static void
opt(int c, char *arg)
{
	switch (c) {
	case 'd': days_opt = arg; break;
	case 'j': jflag = 1; break;
	case 'n': dry = 1; break;
	case 'r': reader_opt = arg; break;
	case 'm': reason = arg; break;
	case 's': state_opt = arg; break;
	case 'u': uscc_opt = arg; break;
	}
}

static int
is_type(const json_t *kase, const char *t)
{
	return !strcmp(jstr(kase, "type"), t);
}

static void
open_store(int rdonly)
{
	char err[512];

	if (eport_open(&st, rdonly ? EPORT_RDONLY | EPORT_NOREPO : 0) < 0)
		die("%s", st.errbuf);
	st_open = 1;
	keydir = xasprintf("%s/keys", st.home);
	if (!rdonly && !(rb = rules_load(eport_home(), err, sizeof err)))
		die("%s", err);
}

/* The case checked again against the store in txn for the rules that stop
 * card work: 0, or 1 with why in s->errbuf. */
static int
recheck(struct eport *s, MDB_txn *txn, const json_t *kase)
{
	json_t *f = store_recheck(s, txn, rb, kase, card_rules);

	if (!f)
		return 0;
	snprintf(s->errbuf, sizeof s->errbuf, "%s: %s: %s", jstr(kase, "id"), jstr(f, "rule"),
	    jstr(f, "message"));
	json_decref(f);
	return 1;
}

/* recheck in a read transaction of its own, before the card is touched */
static int
gate(const json_t *kase)
{
	MDB_txn *txn;
	int rc;

	if ((rc = store_read(&st, &txn)))
		die("db: %s", store_err(rc));
	st.errbuf[0] = '\0';
	rc = recheck(&st, txn, kase);
	mdb_txn_abort(txn);
	if (rc)
		refuse("%s", st.errbuf);
	return rc;
}

/* A store restored without its keys (eport-init --from without --keys)
 * reads and checks, but writes no card: said before a card is touched. */
static void
need_keys(void)
{
	static const char *const files[] = { "ca.key", "ca.crt", "master" };

	for (size_t i = 0; i < LEN(files); i++) {
		char *p = xasprintf("%s/%s", keydir, files[i]);

		if (access(p, F_OK) < 0 && errno == ENOENT)
			die("'%s' is missing: this store has no keys (restored without them?); card "
			    "work needs the office CA and the master key: copy them from a backup "
			    "made with eport-backup -k into '%s'", p, keydir);
		free(p);
	}
}

/* The reader, its card, and the PIV application selected. */
static void
open_card(void)
{
	char err[512];

	if (pcsc_open(&rd, reader_opt, err, sizeof err) < 0)
		die("%s", err);
	if (piv_select(rd) < 0)
		die("%s", pcsc_error(rd));
}

static const char *sub;		/* the subcommand */

/* A card exchange failed: the reader's message; once the card has been
 * written to, what to do about it. */
static void __attribute__((noreturn))
card_fail(int written, const char *id)
{
	warnx("%s", pcsc_error(rd));
	if (written)
		warnx("%s: the card is half-written: put it back and run 'eport-card %s %s' again",
		    id, sub, id);
	wipe();
	exit(2);
}

static void
derive(const char *number, struct card_keys *k)
{
	char err[512];

	if (pki_card_keys(keydir, number, k, err, sizeof err) < 0)
		die("%s", err);
}

static const char *
initial_pin(void)
{
	const char *pin = cfg_str(&st, "card.initial-pin", "88888888");
	size_t n = strlen(pin);

	if (n < 6 || n > 8 || strspn(pin, "0123456789") != n)
		die("card.initial-pin: a PIN is 6 to 8 digits");
	return pin;
}

/* When a certificate that runs from `from` ends (DESIGN.md section 8):
 * card.validity-years calendar years on (cal_add_years: 29 February goes to
 * 28 February).  A store that still sets the old card.validity-days keeps
 * its count of days, with a warning that it no longer counts in years. */
static time_t
valid_until(time_t from)
{
	static int warned;
	long y = cfg_int(&st, "card.validity-years", 2), d = cfg_int(&st, "card.validity-days", 0);

	if (d) {
		if (d < 1 || d > 3650)
			die("card.validity-days: %ld is not from 1 to 3650", d);
		if (!warned++)
			warnx("warning: card.validity-days is set: certificates run %ld days, not "
			    "card.validity-years calendar years; remove it from the configuration", d);
		return from + d * 86400;
	}
	if (y < 1 || y > 10)
		die("card.validity-years: %ld is not from 1 to 10", y);
	return cal_add_years(from, (int)y);
}

/* How near its end a certificate is reported: -d, else card.warn-days. */
static long
warn_days(void)
{
	char *end;
	long d;

	if (days_opt) {
		d = strtol(days_opt, &end, 10);
		if (!*days_opt || *end || d < 0 || d > 3650)
			die("-d '%s': not a number of days from 0 to 3650", days_opt);
		return d;
	}
	d = cfg_int(&st, "card.warn-days", 60);
	if (d < 0 || d > 3650)
		die("card.warn-days: %ld is not from 0 to 3650", d);
	return d;
}

/* The days from today to the office date of an ISO time; 0 if it is not
 * one (*ok cleared). */
static long
days_left(const char *iso, int *ok)
{
	time_t t;

	*ok = parse_time(iso, &t) == 0;
	return *ok ? cal_day_of(t) - cal_day_of(eport_now()) : 0;
}

/* The certificate in 9A, if any (der left empty), and what it says. */
static json_t *
card_cert(struct buf *der)
{
	int rc = piv_read_cert(rd, der);
	json_t *info;

	if (rc < 0)
		card_fail(0, NULL);
	if (rc == 1)
		return NULL;
	if (!(info = pki_cert_info(der->s, der->len)))
		die("'%s': the certificate in 9A is not X.509 DER", pcsc_name(rd));
	return info;
}

/* status */

/* The card in the reader within card.warn-days of its certificate's end */
static void
warn_expiry(const json_t *info)
{
	const char *na = jstr(info, "not_after");
	long left;
	int ok;

	st.home = xstrdup(eport_home());	/* the configuration only */
	st_open = 1;
	left = days_left(na, &ok);
	if (!ok || left > warn_days())
		return;
	if (left < 0)
		warnx("warning: card %s: its certificate ended on %.10s: renew it (a renew case)",
		    jstr(info, "card"), na);
	else
		warnx(ngettext("warning: card %s: its certificate ends on %.10s, in %ld day: "
		    "renew it (a renew case)", "warning: card %s: its certificate ends on %.10s, "
		    "in %ld days: renew it (a renew case)", left), jstr(info, "card"), na, left);
}

static void
cmd_status(int argc)
{
	struct buf der = { 0 };
	json_t *info, *row;
	int tries;

	if (argc)
		eport_usage(2);
	open_card();
	info = card_cert(&der);
	if (piv_pin_tries(rd, &tries) < 0)
		card_fail(0, NULL);
	row = info ? info : json_object();
	if (!info)
		warnx("'%s': card empty (no certificate in 9A)", pcsc_name(rd));
	else
		warn_expiry(info);
	json_object_set_new(row, "pin_tries", tries < 0 ? json_string("verified") :
	    json_integer(tries));
	out = (struct out){ stdout, jflag, status_cols, 0 };
	out_row(&out, row);
	json_decref(row);
	buf_free(&der);
}

/* The case, read; refused unless accepted and of a type with work (BT_*),
 * else with refusal (a message: the case's id, then its type). */
static json_t *
load_case(const char *id, unsigned work, const char *refusal)
{
	MDB_txn *txn;
	json_t *kase;
	const char *type;
	int rc;

	if ((rc = store_read(&st, &txn)))
		die("db: %s", store_err(rc));
	kase = case_get(&st, txn, id);
	mdb_txn_abort(txn);
	if (!kase) {
		refuse("'%s': no such case", id);
		exit(eport_exit());
	}
	if (strcmp(jstr(kase, "state"), "accepted")) {
		refuse("%s: case is %s, not accepted", id, jstr(kase, "state"));
		json_decref(kase);
		exit(eport_exit());
	}
	type = jstr(kase, "type");
	if (btype_has(type, work))
		return kase;
	refuse(refusal, id, type);
	json_decref(kase);
	exit(eport_exit());
}

/* The entry of "issued" for a holder (by id_number) or a card, or NULL. */
static json_t *
issued(const json_t *kase, const char *key, const char *value)
{
	json_t *a = json_object_get(kase, "issued"), *e;
	size_t i;

	json_array_foreach(a, i, e)
		if (!strcmp(jstr(e, key), value))
			return e;
	return NULL;
}

static int
pending_count(const json_t *kase)
{
	json_t *h;
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(kase, "holders"), i, h)
		if (!issued(kase, "holder", jstr(h, "id_number")))
			n++;
	return n;
}

/* The card of the case's "cards" with this number, or NULL. */
static json_t *
case_card(const json_t *kase, const char *number)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(kase, "cards"), i, c)
		if (!strcmp(jstr(c, "number"), number))
			return c;
	return NULL;
}

static char *
card_list(const json_t *kase)
{
	struct buf b = { 0 };
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(kase, "cards"), i, c)
		buf_printf(&b, "%s%s", b.len ? ", " : "", jstr(c, "number"));
	if (!b.len)
		buf_puts(&b, _("none"));
	return b.s;
}

/* The holder the card is for: HOLDER, else the one holder still needing a
 * card (of the card's role, where the card has one), else the registry's
 * holder of the card.  NULL after a refusal. */
static json_t *
pick_holder(const json_t *kase, const char *want, const char *role, const char *reg_id)
{
	const char *id = jstr(kase, "id");
	json_t *h, *found = NULL;
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(kase, "holders"), i, h) {
		const char *num = jstr(h, "id_number");

		if (want) {
			if (strcmp(num, want))
				continue;
			if (issued(kase, "holder", num)) {
				refuse("%s: holder '%s' has card %s already", id, want,
				    jstr(issued(kase, "holder", num), "number"));
				return NULL;
			}
			if (role && strcmp(jstr(h, "role"), role)) {
				refuse("%s: holder '%s' is %s, the card is %s", id, want,
				    jstr(h, "role"), role);
				return NULL;
			}
			return h;
		}
		if (!*num || issued(kase, "holder", num) || (role && strcmp(jstr(h, "role"), role)))
			continue;
		if (reg_id && !strcmp(num, reg_id))
			return h;
		found = h;
		n++;
	}
	if (want)
		refuse("%s: no holder '%s' in the case", id, want);
	else if (n == 1)
		return found;
	else if (n == 0)
		refuse(!role ? _("%s: no holder still needs a card") : !strcmp(role, "legal") ?
		    _("%s: no holder still needs a legal card") :
		    _("%s: no holder still needs an operator card"), id);
	else
		refuse("%s: %d holders still need a card; name one (HOLDER: the identity number)",
		    id, n);
	return NULL;
}

/* write */

struct job {
	json_t *kase;
	json_t *holder;		/* in kase */
	int mode;
	char number[32];
	char role[16];
	struct buf cert;
	json_t *info;		/* what the new certificate says */
	struct moves mv;	/* the case's ref, once stepped */
	int fresh;		/* a new card: made blank again if the store refuses it */
	const char *why;	/* unlock, renew: the event's why */
};

static int
reserve_txn(struct eport *s, MDB_txn *txn, void *arg)
{
	char *number = arg, ymd[9], name[16];
	uint64_t seq;
	json_t *taken;
	int rc;

	fmt_ymd(eport_now(), ymd);
	snprintf(name, sizeof name, "card:%.4s", ymd);
	/* a legacy card may hold a number of the new shape: pass it by */
	do {
		if ((rc = counter_next(s, txn, name, &seq)))
			return rc;
		if (card_number_make(atoi(ymd) / 10000, seq, number) < 0) {
			snprintf(s->errbuf, sizeof s->errbuf, _("card numbers of %.4s are used up"), ymd);
			return 2;
		}
		taken = card_get(s, txn, number);
		json_decref(taken);
	} while (taken);
	return 0;
}

/* The number the next reserve_txn would give, for -n. */
static void
peek_number(char *number)
{
	MDB_txn *txn;
	MDB_val v;
	char ymd[9], name[16];
	uint64_t n = 0;
	int rc;

	fmt_ymd(eport_now(), ymd);
	snprintf(name, sizeof name, "card:%.4s", ymd);
	if ((rc = store_read(&st, &txn)))
		die("db: %s", store_err(rc));
	if (db_get(&st, txn, DB_COUNTERS, name, &v) == 0 && v.mv_size == sizeof n)
		memcpy(&n, v.mv_data, sizeof n);
	mdb_txn_abort(txn);
	if (card_number_make(atoi(ymd) / 10000, n + 1, number) < 0)
		die("card numbers of %.4s are used up", ymd);
}

/* The holder's old card, for a reissue: one of the case's cards that the
 * registry gives to the holder, else the case's one card when it has one
 * holder, else the holder's active card of that role in the enterprise. */
static json_t *
old_card(MDB_txn *txn, const json_t *kase, const json_t *h)
{
	const char *idn = jstr(h, "id_number"), *uscc;
	json_t *cards = json_object_get(kase, "cards"), *c, *reg, *all;
	size_t i;

	json_array_foreach(cards, i, c) {
		if ((reg = card_get(&st, txn, jstr(c, "number")))) {
			if (!strcmp(jstr(reg, "id_number"), idn))
				return reg;
			json_decref(reg);
		}
	}
	if (json_array_size(cards) == 1 && json_array_size(json_object_get(kase, "holders")) == 1) {
		c = json_array_get(cards, 0);
		if ((reg = card_get(&st, txn, jstr(c, "number"))))
			return reg;
		return json_pack("{s:s, s:s, s:s}", "number", jstr(c, "number"),
		    "role", jstr(c, "role"), "uscc", jstr(json_object_get(kase, "enterprise"), "uscc"));
	}
	uscc = json_string_value(rec_path(kase, "enterprise.uscc"));
	all = enterprise_cards(&st, txn, uscc ? uscc : "");
	reg = NULL;
	json_array_foreach(all, i, c)
		if (!strcmp(jstr(c, "id_number"), idn) && !strcmp(jstr(c, "role"), jstr(h, "role"))) {
			reg = json_incref(c);
			break;
		}
	json_decref(all);
	return reg;
}

/* One identity number holds one active operator card of an enterprise, and
 * an enterprise one legal card (DESIGN.md section 8).  The card being
 * written (number) and the one a reissue replaces do not count.  0, or 1
 * with why in s->errbuf. */
static int
one_card(struct eport *s, MDB_txn *txn, const json_t *kase, const json_t *h, const char *role,
    const char *number)
{
	const char *id = jstr(kase, "id"), *idn = jstr(h, "id_number");
	const char *uscc = json_string_value(rec_path(kase, "enterprise.uscc"));
	json_t *all = enterprise_cards(s, txn, uscc ? uscc : ""), *old = NULL, *c;
	size_t i;
	int rc = 0;

	if (is_type(kase, "reissue"))
		old = old_card(txn, kase, h);
	json_array_foreach(all, i, c) {
		const char *num = jstr(c, "number");

		if (!strcmp(num, number) || (old && !strcmp(num, jstr(old, "number"))) ||
		    strcmp(jstr(c, "role"), role))
			continue;
		if (!strcmp(role, "operator") && !strcasecmp(jstr(c, "id_number"), idn)) {
			snprintf(s->errbuf, sizeof s->errbuf, _("%s: holder '%s' has operator card %s of "
			    "the enterprise already (case %s): one person holds one operator card in "
			    "one enterprise"), id, idn, num, *jstr(c, "case") ? jstr(c, "case") : _("none"));
			rc = 1;
			break;
		}
		if (!strcmp(role, "legal")) {
			snprintf(s->errbuf, sizeof s->errbuf, _("%s: the enterprise has legal card %s "
			    "already (holder %s, case %s): an enterprise holds one legal card"), id, num,
			    jstr(c, "holder"), *jstr(c, "case") ? jstr(c, "case") : _("none"));
			rc = 1;
			break;
		}
	}
	json_decref(old);
	json_decref(all);
	return rc;
}

static int
step(struct eport *s, MDB_txn *txn, struct job *j, json_t *kase, const char *action,
    const char *to, const char *why)
{
	struct step sp = { .action = action, .to = to, .why = why };
	int rc = case_step(s, txn, kase, &sp);

	if (rc)
		return rc;
	if (j->mv.n)	/* a second step of the case: its ref goes to the last */
		j->mv.oid[j->mv.n - 1] = sp.commit;
	else
		moves_add(&j->mv, jstr(kase, "id"), &sp.commit);
	return 0;
}

/* The last transaction of write: the registry, the case's record of the
 * card, and `ready` once every holder has one. */
static int
write_txn(struct eport *s, MDB_txn *txn, void *arg)
{
	struct job *j = arg;
	const char *id = jstr(j->kase, "id"), *idn = jstr(j->holder, "id_number");
	char at[32], *why, *pem;
	json_t *kase, *card, *old = NULL, *a, *set;
	int rc;

	if (!(kase = case_get(s, txn, id)))
		return snprintf(s->errbuf, sizeof s->errbuf, _("%s: the case is gone"), id), 1;
	if (strcmp(jstr(kase, "state"), "accepted") || issued(kase, "holder", idn) ||
	    issued(kase, "number", j->number)) {
		snprintf(s->errbuf, sizeof s->errbuf, _("%s: the case changed meanwhile (it is %s)"),
		    id, jstr(kase, "state"));
		json_decref(kase);
		return 1;
	}
	/* what was checked before the card was written, again as the store is
	 * now: another writer may have given the person a card meanwhile */
	if (recheck(s, txn, kase) || one_card(s, txn, kase, j->holder, j->role, j->number)) {
		json_decref(kase);
		return 1;
	}
	fmt_time(eport_now(), at);
	if (!(card = card_get(s, txn, j->number)))
		card = json_object();
	set = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "number", j->number, "role", j->role,
	    "uscc", jstr(json_object_get(kase, "enterprise"), "uscc"),
	    "enterprise", jstr(json_object_get(kase, "enterprise"), "name"),
	    "holder", jstr(j->holder, "name"), "id_number", idn, "state", "active",
	    "case", id, "serial", jstr(j->info, "serial"),
	    "not_after", jstr(j->info, "not_after"), "written", at);
	json_object_update(card, set);
	json_decref(set);
	if ((pem = pki_pem(j->cert.s, j->cert.len)))
		json_object_set_new(card, "cert", json_string(pem));
	free(pem);
	rc = card_put(s, txn, card);
	json_decref(card);
	if (rc)
		goto out;
	if (is_type(kase, "reissue") && (old = old_card(txn, kase, j->holder)) &&
	    strcmp(jstr(old, "state"), "revoked") && strcmp(jstr(old, "number"), j->number)) {
		why = xasprintf("reissued as %s (%s)", j->number, id);
		json_object_set_new(old, "state", json_string("revoked"));
		json_object_set_new(old, "revoked", json_string(at));
		json_object_set_new(old, "why", json_string(why));
		json_object_set_new(old, "revoked_by", json_string(eport_user()));
		/* the case's own doing: no card-revoked for its next holder */
		json_object_set_new(old, "revoked_case", json_string(id));
		free(why);
		if ((rc = card_put(s, txn, old)))
			goto out;
	}
	if (!json_is_array(a = json_object_get(kase, "issued"))) {
		a = json_array();
		json_object_set_new(kase, "issued", a);
	}
	json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "number", j->number,
	    "holder", idn, "role", j->role));
	why = xasprintf("card %s for %s", j->number, jstr(j->holder, "name"));
	rc = step(s, txn, j, kase, "card", NULL, why);
	free(why);
	if (!rc && pending_count(kase) == 0)
		rc = step(s, txn, j, kase, "ready", "ready", "every card written");
out:
	json_decref(old);
	json_decref(kase);
	return rc;
}

/* The new certificate, from the office CA, for the key the card made */
struct issuing {
	const struct cardholder *h;
	time_t from, until;
	int failed;
};

static int
issue(void *arg, const unsigned char *point, size_t len, struct buf *der, char *err,
    size_t errlen)
{
	struct issuing *is = arg;

	if (pki_issue(keydir, is->h, point, len, is->from, is->until, der, err, errlen) < 0)
		return is->failed = 1, -1;
	return 0;
}

/* The card personalised (card_personalise): a failed exchange leaves it
 * half-written; the office CA failing, or the PUK refused, is said alone. */
static void
personalise(struct job *j, const char *old_number, const char *pin)
{
	struct cardholder h = {
		j->number, j->role, jstr(j->holder, "name"),
		jstr(json_object_get(j->kase, "enterprise"), "uscc"),
		jstr(json_object_get(j->kase, "enterprise"), "name"),
	};
	struct issuing is = { &h, eport_now(), 0, 0 };
	struct card_write w = {
		j->mode, &keys, old_number ? &oldkeys : NULL, pin, &h, 0, issue, &is,
	};
	int rc;

	is.until = w.until = valid_until(is.from);
	if ((rc = card_personalise(rd, &w, &j->cert)) < 0 && !is.failed)
		card_fail(1, jstr(j->kase, "id"));
	if (rc)
		die("%s", pcsc_error(rd));
	j->info = pki_cert_info(j->cert.s, j->cert.len);
}

/* The store's part, once the card is done, and then the line.  A failure
 * here leaves the card written and the store without it: say how to mend.
 * A new card the store refuses (the rules, checked again in its
 * transaction) is made blank again. */
static void
record(struct job *j, txn_fn fn, const json_t *row)
{
	const char *id = jstr(j->kase, "id");
	int rc;

	if (!dry) {
		st.errbuf[0] = '\0';
		rc = eport_commit(&st, fn, j, &j->mv);
		moves_free(&j->mv);
		if (rc) {
			(rc == 1 ? refuse : warnx)("%s", st.errbuf);
			if (rc == 1 && j->fresh && card_unwrite(rd, &keys) == 0)
				warnx("%s: card %s is not recorded; the card in '%s' is blank again",
				    id, j->number, pcsc_name(rd));
			else if (rc == 1 && j->fresh)
				warnx("%s: card %s is not recorded and could not be made blank (%s): "
				    "eport-card write takes it again for another holder", id, j->number,
				    pcsc_error(rd));
			else
				warnx("%s: card %s is written but not recorded: run 'eport-card %s %s' "
				    "again with the card in the reader", id, j->number, sub, id);
			if (rc != 1)
				exit(2);
			return;
		}
	}
	out = (struct out){ stdout, jflag, job_cols, 0 };
	out_row(&out, row);
}

static void
cmd_write(int argc, char **argv)
{
	struct job j = { 0 };
	struct buf der = { 0 };
	const char *id, *want, *pin, *role = NULL, *reg_id = NULL;
	char old_number[32] = "";
	json_t *info = NULL, *reg = NULL, *cc, *row;
	MDB_txn *txn;
	int rewrite, rc;

	if (argc < 1 || argc > 2)
		eport_usage(2);
	id = argv[0];
	want = argc == 2 ? argv[1] : NULL;
	open_store(0);
	need_keys();
	pin = initial_pin();
	valid_until(0);		/* the configuration, checked before the card is touched */
	j.kase = load_case(id, BT_WRITE, _("%s: a case of type %s has no card to write "
	    "(eport-card unlock or renew?)"));
	rewrite = btype_has(jstr(j.kase, "type"), BT_REWRITE);
	if (!pending_count(j.kase)) {
		refuse("%s: every holder has a card already", id);
		goto out;
	}
	if (gate(j.kase))
		goto out;
	/* a new card is for a holder the case names; a rewritten one for a
	 * holder of its role: known once the card is read */
	if (!rewrite && !(j.holder = pick_holder(j.kase, want, NULL, NULL)))
		goto out;
	open_card();
	info = card_cert(&der);
	if (info && !*jstr(info, "card")) {
		refuse("'%s': the certificate on the card names no card number", pcsc_name(rd));
		goto out;
	}
	if (info) {
		if ((rc = store_read(&st, &txn)))
			die("db: %s", store_err(rc));
		reg = card_get(&st, txn, jstr(info, "card"));
		mdb_txn_abort(txn);
	}
	if (rewrite) {
		/* the case's own card, rewritten keeping its number and keys */
		char *list = card_list(j.kase);

		if (!info || !(cc = case_card(j.kase, jstr(info, "card")))) {
			if (info)
				refuse("%s: the card in '%s' is card %s, not one of the case's (%s)",
				    id, pcsc_name(rd), jstr(info, "card"), list);
			else
				refuse("%s: the card in '%s' is empty, not one of the case's (%s)",
				    id, pcsc_name(rd), list);
			free(list);
			goto out;
		}
		free(list);
		snprintf(j.number, sizeof j.number, "%s", jstr(info, "card"));
		if (issued(j.kase, "number", j.number)) {
			refuse("%s: card %s is written already", id, j.number);
			goto out;
		}
		if (reg && !strcmp(jstr(reg, "state"), "revoked")) {
			refuse("%s: card %s is revoked", id, j.number);
			goto out;
		}
		role = *jstr(cc, "role") ? jstr(cc, "role") : reg ? jstr(reg, "role") : jstr(info, "role");
		reg_id = reg ? jstr(reg, "id_number") : NULL;
		derive(j.number, &keys);
		if ((rc = card_auth(rd, &keys)) < 0)
			card_fail(0, NULL);
		if (rc) {
			refuse("%s: card %s does not take this office's management key", id, j.number);
			goto out;
		}
		j.mode = WRITE_REWRITE;
	} else {
		/* a blank card; or one this office wrote but never recorded (a
		 * crash between card and store): its number is ours, unused */
		if (reg) {
			refuse("%s: the card in '%s' is card %s, not a blank card", id,
			    pcsc_name(rd), jstr(info, "card"));
			goto out;
		}
		j.mode = -1;
		if (info) {
			snprintf(old_number, sizeof old_number, "%s", jstr(info, "card"));
			derive(old_number, &oldkeys);
			if ((rc = card_auth(rd, &oldkeys)) < 0)
				card_fail(0, NULL);
			if (rc == 0) {
				j.mode = WRITE_RESUME;
				snprintf(j.number, sizeof j.number, "%s", old_number);
				keys = oldkeys;
			}
		}
		if (j.mode < 0) {
			if ((rc = piv_auth_mgmt(rd, PIV_ALG_3DES, piv_factory_mgmt,
			    sizeof piv_factory_mgmt)) < 0)
				card_fail(0, NULL);
			if (rc) {
				refuse("%s: the card in '%s' is not blank: it does not take the factory "
				    "management key", id, pcsc_name(rd));
				goto out;
			}
			j.mode = WRITE_NEW;
		}
	}
	if (rewrite && !(j.holder = pick_holder(j.kase, want, role, reg_id)))
		goto out;
	snprintf(j.role, sizeof j.role, "%s", rewrite ? role : jstr(j.holder, "role"));
	if (strcmp(j.role, "legal") && strcmp(j.role, "operator")) {
		refuse("%s: holder '%s' has role '%s', not legal or operator", id,
		    jstr(j.holder, "id_number"), j.role);
		goto out;
	}
	/* the person's card in the registry, before the card is touched; a
	 * writer that gets there first meanwhile is caught in write_txn */
	if ((rc = store_read(&st, &txn)))
		die("db: %s", store_err(rc));
	st.errbuf[0] = '\0';
	rc = one_card(&st, txn, j.kase, j.holder, j.role, j.number);
	mdb_txn_abort(txn);
	if (rc) {
		refuse("%s", st.errbuf);
		goto out;
	}
	if (j.mode == WRITE_NEW) {
		/* The number is taken in a transaction of its own, before the card
		 * carries it: a crash after that loses a number, never gives one
		 * twice (another writer cannot take it meanwhile).  A crash between
		 * card and store leaves a card with this office's keys and a number
		 * the registry lacks; writing it again adopts that number (the
		 * WRITE_RESUME above).  A crash before the management key is set
		 * leaves a card that still takes the factory key: it is blank. */
		if (dry)
			peek_number(j.number);
		else if ((rc = eport_commit(&st, reserve_txn, j.number, NULL)))
			die("%s", st.errbuf);
		derive(j.number, &keys);
	}
	if (!dry)
		personalise(&j, *old_number ? old_number : NULL, pin);
	j.fresh = j.mode != WRITE_REWRITE;
	row = json_pack("{s:s, s:s, s:s}", "card", j.number, "case", id,
	    "holder", jstr(j.holder, "id_number"));
	record(&j, write_txn, row);
	json_decref(row);
out:
	wipe();
	json_decref(info);
	json_decref(reg);
	json_decref(j.info);
	buf_free(&j.cert);
	buf_free(&der);
	json_decref(j.kase);
}

/* unlock, renew: the case's card, which the card in the reader must be */

static int
steps_txn(struct eport *s, MDB_txn *txn, void *arg)
{
	struct job *j = arg;
	const char *id = jstr(j->kase, "id"), *action = jstr(j->kase, "type");
	json_t *kase, *card;
	char *pem;
	int rc;

	if (!(kase = case_get(s, txn, id)))
		return snprintf(s->errbuf, sizeof s->errbuf, _("%s: the case is gone"), id), 1;
	if (strcmp(jstr(kase, "state"), "accepted")) {
		snprintf(s->errbuf, sizeof s->errbuf, _("%s: the case changed meanwhile (it is %s)"),
		    id, jstr(kase, "state"));
		json_decref(kase);
		return 1;
	}
	if (j->info && (card = card_get(s, txn, j->number))) {
		char at[32];

		fmt_time(eport_now(), at);
		json_object_set_new(card, "serial", json_string(jstr(j->info, "serial")));
		json_object_set_new(card, "not_after", json_string(jstr(j->info, "not_after")));
		json_object_set_new(card, "renewed", json_string(at));
		if ((pem = pki_pem(j->cert.s, j->cert.len)))
			json_object_set_new(card, "cert", json_string(pem));
		free(pem);
		rc = card_put(s, txn, card);
		json_decref(card);
		if (rc) {
			json_decref(kase);
			return rc;
		}
	}
	rc = step(s, txn, j, kase, action, NULL, j->why);
	if (!rc)
		rc = step(s, txn, j, kase, "ready", "ready", "card work done");
	json_decref(kase);
	return rc;
}

static void
cmd_case_card(int argc, char **argv, const char *type)
{
	struct job j = { 0 };
	struct buf der = { 0 };
	const char *id, *number;
	json_t *info = NULL, *reg = NULL, *row;
	MDB_txn *txn;
	char err[512], *why = NULL;
	int rc, tries, renew = !strcmp(type, "renew");

	if (argc != 1)
		eport_usage(2);
	id = argv[0];
	open_store(0);
	need_keys();
	if (renew)
		valid_until(0);	/* as in cmd_write */
	else
		initial_pin();
	j.kase = load_case(id, renew ? BT_RENEW : BT_UNLOCK, renew ? _("%s: a case of type %s has no certificate to "
	    "renew") : _("%s: a case of type %s has no card to unlock"));
	if (gate(j.kase))
		goto out;
	number = json_string_value(rec_path(j.kase, "cards.1.number"));
	if (!number || !*number) {
		refuse("%s: the case names no card", id);
		goto out;
	}
	snprintf(j.number, sizeof j.number, "%s", number);
	if ((rc = store_read(&st, &txn)))
		die("db: %s", store_err(rc));
	reg = card_get(&st, txn, number);
	mdb_txn_abort(txn);
	if (!reg) {
		refuse("%s: card %s is not in the registry", id, number);
		goto out;
	}
	if (!strcmp(jstr(reg, "state"), "revoked")) {
		refuse("%s: card %s is revoked", id, number);
		goto out;
	}
	open_card();
	if (!(info = card_cert(&der))) {
		refuse("%s: the card in '%s' is empty, not card %s", id, pcsc_name(rd), number);
		goto out;
	}
	if (strcmp(jstr(info, "card"), number)) {
		refuse("%s: the card in '%s' is card %s, not the case's card %s", id,
		    pcsc_name(rd), jstr(info, "card"), number);
		goto out;
	}
	derive(number, &keys);
	if (renew) {
		struct cardholder h = {
			number, jstr(reg, "role"), jstr(reg, "holder"), jstr(reg, "uscc"),
			jstr(reg, "enterprise"),
		};
		time_t now = eport_now(), end, until;

		/* card_renew's two steps, the certificate made between them: a
		 * failure of the second leaves the card half-written */
		if ((rc = card_auth(rd, &keys)) < 0)
			card_fail(0, NULL);
		if (rc) {
			refuse("%s: card %s does not take this office's management key", id, number);
			goto out;
		}
		/* from the later of now and the old end: renewing early loses nothing */
		if (parse_time(jstr(info, "not_after"), &end) < 0 || end < now)
			end = now;
		until = valid_until(end);
		if (pki_reissue(keydir, der.s, der.len, now, until, &j.cert, err, sizeof err) < 0)
			die("%s", err);
		j.info = pki_cert_info(j.cert.s, j.cert.len);
		why = xasprintf("card %s: certificate %s until %s", number, jstr(j.info, "serial"),
		    jstr(j.info, "not_after"));
		if (!dry && card_put_identity(rd, &j.cert, &h, until) < 0)
			card_fail(1, id);
	} else {
		why = xasprintf("card %s: the PIN is the initial PIN again", number);
		if (!dry) {
			if ((rc = card_unlock(rd, &keys, initial_pin(), &tries)) < 0)
				card_fail(0, NULL);
			if (rc) {
				refuse(rc == 2 ? _("%s: card %s: the PUK is blocked; the card "
				    "cannot be unlocked") : _("%s: card %s: the PUK was refused: "
				    "not a card of this office?"), id, number);
				goto out;
			}
		}
	}
	wipe();
	j.why = why;
	row = json_pack("{s:s, s:s, s:s}", "card", number, "case", id,
	    "holder", jstr(reg, "id_number"));
	record(&j, steps_txn, row);
	json_decref(row);
out:
	wipe();
	free(why);
	buf_free(&der);
	buf_free(&j.cert);
	json_decref(j.info);
	json_decref(info);
	json_decref(reg);
	json_decref(j.kase);
}

/* revoke, ls: the registry */

struct revoke {
	const char *number;
	json_t *card;
};

static int
revoke_txn(struct eport *s, MDB_txn *txn, void *arg)
{
	struct revoke *r = arg;
	char at[32];

	json_decref(r->card);
	if (!(r->card = card_get(s, txn, r->number))) {
		snprintf(s->errbuf, sizeof s->errbuf, _("card '%s': no such card"), r->number);
		return 1;
	}
	if (!strcmp(jstr(r->card, "state"), "revoked")) {
		snprintf(s->errbuf, sizeof s->errbuf, _("card %s is revoked already (%s)"),
		    r->number, jstr(r->card, "revoked"));
		return 1;
	}
	fmt_time(eport_now(), at);
	json_object_set_new(r->card, "state", json_string("revoked"));
	json_object_set_new(r->card, "revoked", json_string(at));
	json_object_set_new(r->card, "why", json_string(reason));
	json_object_set_new(r->card, "revoked_by", json_string(eport_user()));
	if (dry) {
		s->errbuf[0] = '\0';	/* -n: commit nothing, refuse nothing */
		return 1;
	}
	return card_put(s, txn, r->card);
}

static void
cmd_revoke(int argc, char **argv)
{
	struct revoke r = { 0 };
	int rc;

	if (argc != 1)
		eport_usage(2);
	if (!reason || !*reason) {
		warnx("revoke needs a reason: -m REASON");
		eport_usage(2);
	}
	r.number = argv[0];
	open_store(0);
	st.errbuf[0] = '\0';
	rc = eport_commit(&st, revoke_txn, &r, NULL);
	if (rc == 1 && *st.errbuf) {
		refuse("%s", st.errbuf);
	} else if (rc > 1) {
		die("%s", st.errbuf);
	} else {
		out = (struct out){ stdout, jflag, ls_cols, 0 };
		out_row(&out, r.card);
	}
	json_decref(r.card);
}

static void
cmd_ls(int argc)
{
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if (argc)
		eport_usage(2);
	if (state_opt && strcmp(state_opt, "active") && strcmp(state_opt, "revoked"))
		die("-s: '%s' is neither active nor revoked", state_opt);
	txn = eport_open_read(&st);
	st_open = 1;
	out = (struct out){ stdout, jflag, ls_cols, 0 };
	if ((rc = mdb_cursor_open(txn, st.dbi[DB_CARDS], &c)))
		die("db: %s", store_err(rc));
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		json_t *card = json_loadb(v.mv_data, v.mv_size, 0, NULL);

		if (card && (!uscc_opt || !strcmp(jstr(card, "uscc"), uscc_opt)) &&
		    (!state_opt || !strcmp(jstr(card, "state"), state_opt)))
			out_row(&out, card);
		json_decref(card);
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
}

/* expiring */

/* Whom to tell of an enterprise's cards: its latest case (by the time it
 * was taken in), its handler and phone.  A new reference. */
static json_t *
contact(MDB_txn *txn, const char *uscc)
{
	MDB_cursor *c;
	MDB_val k = { strlen(uscc), (void *)uscc }, v;
	json_t *best = NULL, *kase, *h, *row;
	int rc;

	if ((rc = mdb_cursor_open(txn, st.dbi[DB_USCC], &c)))
		die("db: %s", store_err(rc));
	for (rc = *uscc ? mdb_cursor_get(c, &k, &v, MDB_SET_KEY) : MDB_NOTFOUND; rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP)) {
		char *id = strndup(v.mv_data, v.mv_size);
		int cmp;

		if (!id)
			die("strndup:");
		kase = case_get(&st, txn, id);
		free(id);
		if (!kase)
			continue;
		cmp = best ? strcmp(jstr(kase, "taken"), jstr(best, "taken")) : 1;
		if (!cmp)	/* the same second: the later id, 0010 before 10000 */
			cmp = strlen(jstr(kase, "id")) != strlen(jstr(best, "id")) ?
			    (int)strlen(jstr(kase, "id")) - (int)strlen(jstr(best, "id")) :
			    strcmp(jstr(kase, "id"), jstr(best, "id"));
		if (cmp > 0) {
			json_decref(best);
			best = kase;
		} else {
			json_decref(kase);
		}
	}
	mdb_cursor_close(c);
	h = json_object_get(best, "handler");
	row = json_pack("{s:s, s:s, s:s}", "case", best ? jstr(best, "id") : "",
	    "contact", *jstr(h, "name") ? jstr(h, "name") :
	    jstr(json_object_get(best, "mail"), "recipient"),
	    "phone", *jstr(h, "phone") ? jstr(h, "phone") :
	    jstr(json_object_get(best, "mail"), "phone"));
	json_decref(best);
	return row;
}

struct near {
	time_t end;
	json_t *row;
};

static int
near_cmp(const void *a, const void *b)
{
	const struct near *x = a, *y = b;

	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return strcmp(jstr(x->row, "card"), jstr(y->row, "card"));
}

static void
cmd_expiring(int argc)
{
	struct near *list = NULL;
	size_t n = 0, cap = 0;
	json_t *seen = json_object(), *card, *who;
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	long days, left;
	int rc, ok;

	if (argc)
		eport_usage(2);
	txn = eport_open_read(&st);
	st_open = 1;
	days = warn_days();
	if ((rc = mdb_cursor_open(txn, st.dbi[DB_CARDS], &c)))
		die("db: %s", store_err(rc));
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const char *uscc;

		if (!(card = json_loadb(v.mv_data, v.mv_size, 0, NULL)))
			continue;
		left = days_left(jstr(card, "not_after"), &ok);
		if (strcmp(jstr(card, "state"), "active") || !ok || left > days) {
			json_decref(card);
			continue;
		}
		uscc = jstr(card, "uscc");
		if (!(who = json_object_get(seen, uscc))) {
			who = contact(txn, uscc);
			json_object_set_new(seen, uscc, who);
		}
		if (n == cap)
			list = xrealloc(list, (cap = cap ? 2 * cap : 64) * sizeof *list);
		parse_time(jstr(card, "not_after"), &list[n].end);
		list[n].row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I}",
		    "card", jstr(card, "number"), "role", jstr(card, "role"),
		    "holder", jstr(card, "holder"), "uscc", uscc,
		    "enterprise", jstr(card, "enterprise"), "not_after", jstr(card, "not_after"),
		    "days", (json_int_t)left);
		json_object_update(list[n].row, who);
		n++;
		json_decref(card);
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	if (n)
		qsort(list, n, sizeof *list, near_cmp);
	out = (struct out){ stdout, jflag, expiring_cols, 0 };
	for (size_t i = 0; i < n; i++) {
		out_row(&out, list[i].row);
		json_decref(list[i].row);
	}
	free(list);
	json_decref(seen);
}

int
main(int argc, char *argv[])
{
	static const struct sub subs[] = {
		{ "status", "jr" }, { "write", "jnr" }, { "unlock", "jnr" }, { "renew", "jnr" },
		{ "revoke", "jnm" }, { "ls", "jsu" }, { "expiring", "dj" },
	};
	char err[256];
	size_t i;

	eport_start(argc, argv, usage_text);
	/* the master key, the CA's key and each card's PUK pass through here */
	if (secret_process(err, sizeof err) < 0)
		die("%s", err);
	atexit(at_exit);
	i = eport_sub(&argc, &argv, subs, LEN(subs), "d:jm:nr:s:u:h",
	    N_("'%s': not a subcommand (status, write, unlock, renew, revoke, ls or expiring)"),
	    opt);
	sub = subs[i].name;
	if (!strcmp(sub, "status"))
		cmd_status(argc);
	else if (!strcmp(sub, "write"))
		cmd_write(argc, argv);
	else if (!strcmp(sub, "revoke"))
		cmd_revoke(argc, argv);
	else if (!strcmp(sub, "ls"))
		cmd_ls(argc);
	else if (!strcmp(sub, "expiring"))
		cmd_expiring(argc);
	else
		cmd_case_card(argc, argv, sub);
	at_exit();
	if (st_open)
		eport_close(&st);
	rules_free(rb);
	free(keydir);
	return eport_exit();
}
