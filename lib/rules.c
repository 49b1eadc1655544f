/* rules.c: the rulebook and the checks of one case record.  The rulebook is
 * data (share/eport/rules.tsv: what each type needs; kinds.tsv: the kinds of
 * material); the rules that are not a list of materials (identity numbers,
 * phones, carrier, mail, orders, cards in the store, the other open cases of
 * the enterprise) are code here.  The checks return findings; the store is
 * reached only through check_env. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eport.h"

/* the seed: 注意选择"厦门分中心，关区取货" */
#define ORDER_OFFICE "厦门分中心"
#define ORDER_PICKUP "关区取货"

enum { PER_CASE, PER_HOLDER, PER_LEGAL, PER_OPERATOR, PER_ENTERPRISE };
static const char *const pers[] = { "case", "holder", "legal", "operator", "enterprise", NULL };

enum { W_KIND, W_FIELD, W_HOLDERS, W_ORDER, W_ATTEST, W_UNIQUE, W_OPEN, W_NOCARD, W_HOLDER };
static const char *const whats[] = {
	"", "field", "holders", "order", "attest", "unique", "open", "nocard", "holder", NULL
};

/* check.ems-names: China Post's names for EMS (DESIGN.md, inbound-carrier) */
#define EMS_NAMES "EMS,中国邮政EMS,邮政EMS,中国邮政速递物流,China Post EMS"

struct kind {
	char *kind, *name, *cite;
	int paper;
	const char *role;	/* a card's role; NULL: paper, or the holder's */
};

struct rule {
	char *type, *channel, *pickup, *arg, *label;
	int what, per, n;
	size_t kind;		/* W_KIND: index in kinds */
};

struct rulebook {
	struct kind *kinds;
	size_t nkinds;
	struct rule *rules;
	size_t nrules;
	char digest[65];	/* sha256 of the files read, in order */
};

static void
kind_clear(struct kind *k)
{
	free(k->kind);
	free(k->name);
	free(k->cite);
}

static void
rule_clear(struct rule *r)
{
	free(r->type);
	free(r->channel);
	free(r->pickup);
	free(r->arg);
	free(r->label);
}

static int
lookup(const char *const tab[], const char *s)
{
	for (int i = 0; tab[i]; i++)
		if (strcmp(tab[i], s) == 0)
			return i;
	return -1;
}

static const struct kind *kind_get(const struct rulebook *, const char *, size_t *);

/* A kind; a later line for the same kind (another layer's) replaces it. */
static int
kind_row(void *arg, char **v, char *err, size_t errlen)
{
	struct rulebook *rb = arg;
	struct kind k = { 0 };
	size_t at;

	if (!*v[0] || !*v[1]) {
		snprintf(err, errlen, _("a kind needs a name"));
		return -1;
	}
	if (strcmp(v[2], "yes") != 0 && strcmp(v[2], "no") != 0) {
		snprintf(err, errlen, _("paper is '%s', not yes or no"), v[2]);
		return -1;
	}
	k.paper = strcmp(v[2], "yes") == 0;
	if (!k.paper && strncmp(v[0], "card-", 5) == 0) {
		k.role = v[0] + 5;
		if (strcmp(k.role, "legal") != 0 && strcmp(k.role, "operator") != 0) {
			snprintf(err, errlen, _("card kind '%s': the role is legal or operator"), v[0]);
			return -1;
		}
	} else if (!k.paper && strcmp(v[0], "card") != 0) {
		snprintf(err, errlen, _("kind '%s' is no paper: its name is card or card-ROLE"), v[0]);
		return -1;
	}
	k.kind = xstrdup(v[0]);
	if (k.role)
		k.role = k.kind + 5;
	k.name = xstrdup(v[1]);
	k.cite = xstrdup(*v[3] ? v[3] : v[1]);
	if (kind_get(rb, k.kind, &at)) {
		kind_clear(&rb->kinds[at]);
		rb->kinds[at] = k;
		return 0;
	}
	rb->kinds = xrealloc(rb->kinds, (rb->nkinds + 1) * sizeof *rb->kinds);
	rb->kinds[rb->nkinds++] = k;
	return 0;
}

static const struct kind *
kind_get(const struct rulebook *rb, const char *kind, size_t *idx)
{
	for (size_t i = 0; i < rb->nkinds; i++)
		if (strcmp(rb->kinds[i].kind, kind) == 0) {
			if (idx)
				*idx = i;
			return &rb->kinds[i];
		}
	return NULL;
}

/* the same requirement: a later line for it (another layer's) replaces it */
static int
same_rule(const struct rule *a, const struct rule *b)
{
	return !strcmp(a->type, b->type) && !strcmp(a->channel, b->channel) &&
	    !strcmp(a->pickup, b->pickup) && a->what == b->what && a->kind == b->kind &&
	    a->per == b->per && !strcmp(a->arg, b->arg);
}

/* A requirement; n 0 takes an earlier one out. */
static int
rule_row(void *arg, char **v, char *err, size_t errlen)
{
	struct rulebook *rb = arg;
	struct rule r = { 0 };
	size_t i;
	const struct kind *k = NULL;
	char *end;

	if (!*v[0] || lookup((const char *const[]){ "*", "online", "post", NULL }, v[1]) < 0 ||
	    lookup((const char *const[]){ "*", "mail", "window", NULL }, v[2]) < 0) {
		snprintf(err, errlen, _("type, channel (* online post) or pickup (* mail window) wrong"));
		return -1;
	}
	if ((r.what = lookup(whats, v[3])) <= 0) {
		r.what = W_KIND;
		if (!(k = kind_get(rb, v[3], &r.kind))) {
			snprintf(err, errlen, _("unknown kind '%s'"), v[3]);
			return -1;
		}
	}
	if ((r.per = lookup(pers, v[4])) < 0 || (r.per == PER_ENTERPRISE && (!k || k->paper))) {
		snprintf(err, errlen, k && !k->paper ?
		    _("per '%s' is not case, holder, legal, operator or enterprise") :
		    _("per '%s' is not case, holder, legal or operator"), v[4]);
		return -1;
	}
	r.n = strtol(v[5], &end, 10);
	if (!*v[5] || *end || r.n < 0 || r.n > 9999) {
		snprintf(err, errlen, _("n '%s' is not a number from 0 (0 takes the rule out)"),
		    v[5]);
		return -1;
	}
	if (!*v[6] && (r.what == W_FIELD || r.what == W_ORDER || r.what == W_ATTEST ||
	    r.what == W_OPEN || r.what == W_NOCARD)) {
		snprintf(err, errlen, _("%s needs an arg"), v[3]);
		return -1;
	}
	if (r.what == W_NOCARD && strcmp(v[6], "legal") && strcmp(v[6], "operator")) {
		snprintf(err, errlen, _("nocard: the arg '%s' is a role, legal or operator"), v[6]);
		return -1;
	}
	r.type = xstrdup(v[0]);
	r.channel = xstrdup(v[1]);
	r.pickup = xstrdup(v[2]);
	r.arg = xstrdup(v[6]);
	r.label = xstrdup(*v[7] ? v[7] : v[6]);
	for (i = 0; i < rb->nrules && !same_rule(&rb->rules[i], &r); i++)
		;
	if (i < rb->nrules) {
		rule_clear(&rb->rules[i]);
		if (r.n) {
			rb->rules[i] = r;
			return 0;
		}
		memmove(&rb->rules[i], &rb->rules[i + 1], (rb->nrules - i - 1) * sizeof r);
		rb->nrules--;
	}
	if (!r.n) {
		rule_clear(&r);
		return 0;
	}
	rb->rules = xrealloc(rb->rules, (rb->nrules + 1) * sizeof *rb->rules);
	rb->rules[rb->nrules++] = r;
	return 0;
}

static const char *const kcols[] = { "kind", "name", "paper", "cite" };
static const char *const rcols[] = {
	"type", "channel", "pickup", "what", "per", "n", "arg", "label"
};

/* kinds.tsv from every directory, then rules.tsv from every directory: a
 * rule names a kind of any layer.  The first directory must have both. */
static struct rulebook *
rules_read(const char *const *dir, size_t ndir, char *err, size_t errlen)
{
	struct rulebook *rb = xcalloc(1, sizeof *rb);
	struct tsv kt = { .cols = kcols, .ncols = LEN(kcols), .fn = kind_row, .arg = rb };
	struct tsv rt = { .cols = rcols, .ncols = LEN(rcols), .fn = rule_row, .arg = rb };
	struct buf read = { 0 };
	int rc = 0;

	for (int f = 0; f < 2 && rc == 0; f++)
		for (size_t i = 0; i < ndir && rc == 0; i++) {
			char *p = xasprintf("%s/%s", dir[i], f ? "rules.tsv" : "kinds.tsv");

			if ((rc = tsv_load(p, f ? &rt : &kt, &read, err, errlen)) == -2 && i)
				rc = 0;
			else if (rc == -2)
				snprintf(err, errlen, _("cannot read '%s': %s"), p, strerror(ENOENT));
			free(p);
		}
	sha256_hex(read.s ? read.s : "", read.len, rb->digest);
	buf_free(&read);
	if (rc < 0) {
		rules_free(rb);
		return NULL;
	}
	return rb;
}

struct rulebook *
rules_load(const char *home, char *err, size_t errlen)
{
	const char *dir[LAYERS_MAX];

	return rules_read(dir, layer_dirs(home, dir), err, errlen);
}

struct rulebook *
rules_load_dir(const char *dir, char *err, size_t errlen)
{
	return rules_read(&dir, 1, err, errlen);
}

const char *
rules_digest(const struct rulebook *rb)
{
	return rb->digest;
}

void
rules_free(struct rulebook *rb)
{
	if (!rb)
		return;
	for (size_t i = 0; i < rb->nkinds; i++)
		kind_clear(&rb->kinds[i]);
	for (size_t i = 0; i < rb->nrules; i++)
		rule_clear(&rb->rules[i]);
	free(rb->kinds);
	free(rb->rules);
	free(rb);
}

const char *
kind_name(const struct rulebook *rb, const char *kind)
{
	const struct kind *k = kind_get(rb, kind, NULL);

	return k ? k->name : NULL;
}

const char *
file_format(const void *p, size_t n)
{
	const unsigned char *s = p;

	if (n >= 3 && s[0] == 0xff && s[1] == 0xd8 && s[2] == 0xff)
		return "jpeg";
	if (n >= 8 && memcmp(s, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "png";
	if (n >= 6 && (memcmp(s, "GIF87a", 6) == 0 || memcmp(s, "GIF89a", 6) == 0))
		return "gif";
	/* BM, then the size of a known DIB header at 14, so that text starting
	 * "BM" is not taken for a bitmap */
	if (n >= 18 && s[0] == 'B' && s[1] == 'M' && s[15] == 0 && s[16] == 0 && s[17] == 0 &&
	    strchr("\x0c\x28\x34\x38\x40\x6c\x7c", s[14]))
		return "bmp";
	/* readers accept the header anywhere in the first 1024 bytes */
	if (memmem(s, n < 1024 ? n : 1024, "%PDF-", 5))
		return "pdf";
	return NULL;
}

static const char *str(const json_t *, const char *);

const json_t *
rules_first_block(const json_t *findings, const char *const *only)
{
	size_t i;
	json_t *f;

	json_array_foreach(findings, i, f) {
		const char *const *o = only;

		if (strcmp(str(f, "severity"), "block") != 0)
			continue;
		while (o && *o && strcmp(*o, str(f, "rule")) != 0)
			o++;
		if (!o || *o)
			return f;
	}
	return NULL;
}

/* The checks. */

struct ctx {
	const struct rulebook *rb;
	const json_t *rec, *holders, *docs, *cards;
	const struct check_env *env;
	const char *type, *channel, *pickup, *uscc;
	json_t *out;
	json_t *others;		/* the enterprise's other open cases, once asked for */
	int others_done;
	unsigned char *conflict;	/* per other case: a blocking case-open found */
};

static void add(struct ctx *, int block, const char *rule, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
add(struct ctx *c, int block, const char *rule, const char *path, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	json_array_append_new(c->out, json_pack("{s:s, s:s, s:s, s:s}", "severity",
	    block ? "block" : "warn", "rule", rule, "path", path, "message", msg ? msg : ""));
	free(msg);
}

static const char *
str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* a string at a dotted path of objects: "enterprise.uscc" */
static const char *
dstr(const json_t *o, const char *path)
{
	const char *dot;

	while ((dot = strchr(path, '.'))) {
		o = json_object_getn(o, path, dot - path);
		path = dot + 1;
	}
	return str(o, path);
}

static int
has_type(const char *spec, const char *type)
{
	int neg = *spec == '!';
	size_t n = strlen(type);
	const char *p = spec + neg;

	if (strcmp(spec, "*") == 0)
		return 1;
	for (;;) {
		if (strncmp(p, type, n) == 0 && (p[n] == ',' || !p[n]))
			return !neg;
		if (!(p = strchr(p, ',')))
			return neg;
		p++;
	}
}

static int
applies(const struct rule *r, const char *type, const char *channel, const char *pickup)
{
	return has_type(r->type, type) && (*r->channel == '*' || strcmp(r->channel, channel) == 0) &&
	    (*r->pickup == '*' || strcmp(r->pickup, pickup) == 0);
}

static int
rule_applies(const struct ctx *c, const struct rule *r)
{
	return applies(r, c->type, c->channel, c->pickup);
}

/* materials come by EMS, but a reader's by e-mail (seed 八) */
static const char *
channel_of(const json_t *rec)
{
	const char *ch = str(rec, "channel");

	return *ch ? ch : strcmp(str(rec, "type"), "reader") == 0 ? "online" : "post";
}

/* does a rule of what apply to another case record? (the first that does) */
static const struct rule *
applies_to(const struct rulebook *rb, int what, const json_t *rec)
{
	for (size_t i = 0; i < rb->nrules; i++) {
		const struct rule *r = &rb->rules[i];

		if (r->what == what && applies(r, str(rec, "type"), channel_of(rec), str(rec, "pickup")))
			return r;
	}
	return NULL;
}

static int
per_match(int per, const json_t *h)
{
	const char *role = str(h, "role");

	return per == PER_HOLDER || (per == PER_LEGAL && strcmp(role, "legal") == 0) ||
	    (per == PER_OPERATOR && strcmp(role, "operator") == 0);
}

static size_t
count_holders(const struct ctx *c, int per)
{
	size_t i, n = 0;
	json_t *h;

	json_array_foreach(c->holders, i, h)
		n += per_match(per, h);
	return n;
}

/* how a message names holder i: 操作员 李四, or 第2位持卡人 */
static char *
who(const json_t *h, size_t i)
{
	const char *role = str(h, "role"), *name = str(h, "name");
	const char *w = strcmp(role, "legal") == 0 ? "法定代表人" :
	    strcmp(role, "operator") == 0 ? "操作员" : "持卡人";

	return *name ? xasprintf("%s %s", w, name) : xasprintf("第%zu位持卡人", i + 1);
}

static char *
holder_key(const json_t *h, size_t i)
{
	const char *id = str(h, "id_number");

	return *id ? xstrdup(id) : xasprintf("holders.%zu", i + 1);
}

static long
copies(const json_t *doc)
{
	json_t *v = json_object_get(doc, "copies");

	return json_is_integer(v) ? (long)json_integer_value(v) : 1;
}

static void
check_field(struct ctx *c, const struct rule *r)
{
	size_t i;
	json_t *h;

	if (r->per == PER_CASE) {
		if (!*dstr(c->rec, r->arg))
			add(c, 1, "field-missing", r->arg, "未填写%s", r->label);
		return;
	}
	json_array_foreach(c->holders, i, h) {
		if (!per_match(r->per, h) || *dstr(h, r->arg))
			continue;
		char *path = xasprintf("holders.%zu.%s", i + 1, r->arg), *w = who(h, i);

		add(c, 1, "field-missing", path, "%s未填写%s", w, r->label);
		free(path);
		free(w);
	}
}

static void
check_holders(struct ctx *c, const struct rule *r)
{
	if (count_holders(c, r->per) < (size_t)r->n) {
		char *path = xasprintf("holders[%s]", pers[r->per]);

		add(c, 1, "field-missing", path, "缺少%s", r->label);
		free(path);
	}
}

/* Documents of one kind per holder: a document naming the holder (holder:
 * the id_number) is theirs; unnamed ones go to the holders left, in order. */
static void
check_doc_holders(struct ctx *c, const struct rule *r, const struct kind *k)
{
	size_t i, d, ndocs = 0, need = count_holders(c, r->per);
	json_t *h, *doc;
	unsigned char *used = xcalloc(json_array_size(c->docs) + 1, 1);
	struct buf lack = { 0 };
	struct {
		size_t holder;
		long copies;	/* -1: none */
	} *got = xcalloc(json_array_size(c->holders) + 1, sizeof *got);
	size_t ngot = 0;

	json_array_foreach(c->docs, d, doc)
		ndocs += strcmp(str(doc, "kind"), k->kind) == 0;
	json_array_foreach(c->holders, i, h) {
		const char *id = str(h, "id_number");
		long cp = -1;

		if (!per_match(r->per, h))
			continue;
		json_array_foreach(c->docs, d, doc)
			if (!used[d] && strcmp(str(doc, "kind"), k->kind) == 0 && *id &&
			    strcmp(str(doc, "holder"), id) == 0) {
				used[d] = 1;
				cp = copies(doc);
				break;
			}
		got[ngot].holder = i;
		got[ngot++].copies = cp;
	}
	for (size_t g = 0; g < ngot; g++) {
		if (got[g].copies >= 0)
			continue;
		json_array_foreach(c->docs, d, doc)
			if (!used[d] && strcmp(str(doc, "kind"), k->kind) == 0 && !*str(doc, "holder")) {
				used[d] = 1;
				got[g].copies = copies(doc);
				break;
			}
	}
	for (size_t g = 0; g < ngot; g++) {
		json_t *hh = json_array_get(c->holders, got[g].holder);
		char *w = who(hh, got[g].holder), *key = holder_key(hh, got[g].holder);
		char *path = xasprintf("documents.%s[%s]", k->kind, key);

		if (got[g].copies < 0 && strcmp(k->kind, "form2") == 0 && ndocs && ndocs < need)
			buf_printf(&lack, "%s%s", lack.len ? "、" : "", w);
		else if (got[g].copies < 0)
			add(c, 1, "doc-missing", path, "缺少%s（%s）", k->cite, w);
		else if (got[g].copies < r->n)
			add(c, 1, "doc-copies", path, "%s（%s）应提供%d份，只收到%ld份", k->cite, w,
			    r->n, got[g].copies);
		free(w);
		free(key);
		free(path);
	}
	/* a short count of form2 is one finding, naming who has none */
	if (lack.len)
		add(c, 1, "form2-count", "documents.form2",
		    "%s应每位持卡人一份，共%zu份，只收到%zu份（缺：%s）", k->cite, need, ndocs, lack.s);
	buf_free(&lack);
	free(got);
	free(used);
}

static void
check_doc(struct ctx *c, const struct rule *r, const struct kind *k)
{
	size_t d, ndocs = 0;
	long sum = 0;
	json_t *doc;
	char *path;

	if (r->per != PER_CASE) {
		check_doc_holders(c, r, k);
		return;
	}
	json_array_foreach(c->docs, d, doc)
		if (strcmp(str(doc, "kind"), k->kind) == 0) {
			ndocs++;
			sum += copies(doc);
		}
	path = xasprintf("documents.%s", k->kind);
	if (!ndocs)
		add(c, 1, "doc-missing", path, "缺少%s", k->cite);
	else if (sum < r->n)
		add(c, 1, "doc-copies", path, "%s应提供%d份，只收到%ld份", k->cite, r->n, sum);
	free(path);
}

/* a card's role: the store's where it knows the card, else the record's */
static char *
card_role(const struct ctx *c, const json_t *card)
{
	const char *num = str(card, "number");
	json_t *known = c->env->card && *num ? c->env->card(c->env->arg, num) : NULL;
	char *role = xstrdup(*str(known, "role") ? str(known, "role") : str(card, "role"));

	json_decref(known);
	return role;
}

static size_t
count_cards(const struct ctx *c, const char *role)
{
	size_t i, n = 0;
	json_t *card;

	json_array_foreach(c->cards, i, card) {
		char *r = card_role(c, card);

		n += !role || strcmp(r, role) == 0;
		free(r);
	}
	return n;
}

static int
card_sent(const struct ctx *c, const char *number)
{
	size_t i;
	json_t *card;

	json_array_foreach(c->cards, i, card)
		if (strcmp(str(card, "number"), number) == 0)
			return 1;
	return 0;
}

static void
card_short(struct ctx *c, const struct kind *k, const char *role, size_t need)
{
	size_t have = count_cards(c, role);
	char *path = xasprintf("cards[%s]", role ? role : "card");

	if (have == 0)
		add(c, 1, "card-missing", path, "缺少%s", k->cite);
	else if (have < need)
		add(c, 1, "card-missing", path, "%s应寄来%zu张，只收到%zu张", k->cite, need, have);
	free(path);
}

static void
check_card(struct ctx *c, const struct rule *r, const struct kind *k)
{
	static const char *const roles[] = { "legal", "operator" };
	size_t i;
	json_t *h, *all, *card;

	if (r->per == PER_CASE) {
		card_short(c, k, k->role, r->n);
		return;
	}
	if (r->per != PER_ENTERPRISE) {
		for (size_t ro = 0; ro < LEN(roles); ro++) {
			size_t need = 0;

			json_array_foreach(c->holders, i, h)
				if (per_match(r->per, h) &&
				    strcmp(k->role ? k->role : str(h, "role"), roles[ro]) == 0)
					need += r->n;
			if (need)
				card_short(c, k, roles[ro], need);
		}
		return;
	}
	if (!c->env->enterprise_cards || !*c->uscc)
		return;
	all = c->env->enterprise_cards(c->env->arg, c->uscc);
	json_array_foreach(all, i, card) {
		const char *num = str(card, "number");

		if ((k->role && strcmp(str(card, "role"), k->role) != 0) ||
		    strcmp(str(card, "state"), "active") != 0 || !*num || card_sent(c, num))
			continue;
		char *path = xasprintf("cards[%s]", num);

		add(c, 1, "card-missing", path, "缺少%s（卡号 %s，持卡人 %s）", k->cite, num,
		    str(card, "holder"));
		free(path);
	}
	json_decref(all);
}

/* The other open cases of the enterprise (the store's open_cases, less the
 * case itself), asked for once. */
static const json_t *
others(struct ctx *c)
{
	json_t *all, *o;
	size_t i;

	if (c->others_done)
		return c->others;
	c->others_done = 1;
	c->others = json_array();
	if (!c->env->open_cases || !*c->uscc)
		return c->others;
	all = c->env->open_cases(c->env->arg, c->uscc);
	json_array_foreach(all, i, o)
		if (!c->env->self_id || strcmp(str(o, "id"), c->env->self_id) != 0)
			json_array_append(c->others, o);
	json_decref(all);
	c->conflict = xcalloc(json_array_size(c->others) + 1, 1);
	return c->others;
}

/* Was case a taken in before case b?  Ids are BRANCH YYYYMMDD-SEQ; a record with
 * no id (eport-check -f) comes after every stored case. */
static int
earlier(const char *a, const char *b)
{
	const char *da, *db;
	size_t la, lb;
	int d;

	if (!a || !*a)
		return 0;
	if (!b || !*b)
		return 1;
	if (!(da = strrchr(a, '-')) || !(db = strrchr(b, '-')))
		return strcmp(a, b) < 0;
	la = da - a;
	lb = db - b;
	if ((d = strncmp(a, b, la < lb ? la : lb)) != 0 || la != lb)
		return d ? d < 0 : la < lb;
	la = strlen(da);
	lb = strlen(db);
	return la != lb ? la < lb : strcmp(da, db) < 0;
}

/* an identity number as the forms carry it: the X of a check digit in
 * either case */
static int
same_id(const char *a, const char *b)
{
	return *a && strcasecmp(a, b) == 0;
}

static int
issued_to(const json_t *kase, const char *id)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(kase, "issued"), i, e)
		if (same_id(str(e, "holder"), id))
			return 1;
	return 0;
}

static const char *
state_zh(const json_t *kase)
{
	char *detail = NULL;
	const char *s = public_status(kase, &detail);

	free(detail);
	return s;
}

static const char *
type_zh(const json_t *kase)
{
	const char *n = type_name(str(kase, "type"));

	return n ? n : str(kase, "type");
}

/* unique: the holder gets a new operator card, so must not hold one of the
 * enterprise (holder-duplicate), nor be getting one in an open case taken in
 * before this one (holder-open: the earlier case holds the person until it
 * ends; eport-card write enforces the same in its own transaction). */
static void
check_unique(struct ctx *c, const struct rule *r)
{
	size_t i, k;
	json_t *h, *o, *oh;

	json_array_foreach(c->holders, i, h) {
		const char *id = str(h, "id_number");
		json_t *card = NULL;
		char *path, *w;

		if (!per_match(r->per, h) || !*id || !*c->uscc)
			continue;
		path = xasprintf("holders.%zu.id_number", i + 1);
		w = who(h, i);
		if (c->env->holder_card && (card = c->env->holder_card(c->env->arg, c->uscc, id)) &&
		    (!c->env->self_id || strcmp(str(card, "case"), c->env->self_id) != 0)) {
			add(c, 1, "holder-duplicate", path,
			    "%s已持有本企业的电子口岸操作员卡（卡号 %s），同一证件号码在同一企业只能办理一张操作员卡",
			    w, str(card, "number"));
			goto next;
		}
		json_array_foreach(others(c), k, o) {
			const struct rule *or = applies_to(c->rb, W_UNIQUE, o);
			size_t j;

			if (!or || !earlier(str(o, "id"), c->env->self_id) || issued_to(o, id))
				continue;
			json_array_foreach(json_object_get(o, "holders"), j, oh)
				if (per_match(or->per, oh) && same_id(str(oh, "id_number"), id))
					break;
			if (j == json_array_size(json_object_get(o, "holders")))
				continue;
			add(c, 1, "holder-open", path,
			    "%s已在本企业先收到的在办业务%s（%s，%s）中申请电子口岸操作员卡，同一证件号码在同一企业只能办理一张操作员卡：请待该业务办结、不予受理或撤回后再审核本业务",
			    w, str(o, "id"), type_zh(o), state_zh(o));
			break;
		}
next:
		json_decref(card);
		free(path);
		free(w);
	}
}

/* open: another open case of the enterprise whose type is in arg blocks
 * this one.  Where the other's type is held back by this one's too (two
 * info-change cases), the one taken in first goes on. */
static int
held_back(const struct rulebook *rb, const json_t *o, const char *type)
{
	for (size_t i = 0; i < rb->nrules; i++) {
		const struct rule *r = &rb->rules[i];

		if (r->what == W_OPEN && applies(r, str(o, "type"), channel_of(o), str(o, "pickup")) &&
		    has_type(r->arg, type))
			return 1;
	}
	return 0;
}

static void
check_open(struct ctx *c, const struct rule *r)
{
	size_t i;
	json_t *o;

	json_array_foreach(others(c), i, o) {
		char *path;

		if (!has_type(r->arg, str(o, "type")) || c->conflict[i] ||
		    (held_back(c->rb, o, c->type) && earlier(c->env->self_id, str(o, "id"))))
			continue;
		c->conflict[i] = 1;
		path = xasprintf("cases[%s]", str(o, "id"));
		add(c, 1, "case-open", path, "本企业另有在办的%s业务%s（%s）：%s", type_zh(o),
		    str(o, "id"), state_zh(o), r->label);
		free(path);
	}
}

/* nocard: the enterprise must not hold an active card of the role arg yet
 * (an onboard of an enterprise with a legal card is another type of case) */
static void
check_nocard(struct ctx *c, const struct rule *r)
{
	size_t i;
	json_t *all, *card;

	if (!c->env->enterprise_cards || !*c->uscc)
		return;
	all = c->env->enterprise_cards(c->env->arg, c->uscc);
	json_array_foreach(all, i, card) {
		if (strcmp(str(card, "role"), r->arg) != 0 || strcmp(str(card, "state"), "active") != 0 ||
		    (c->env->self_id && strcmp(str(card, "case"), c->env->self_id) == 0))
			continue;
		add(c, 1, "case-open", "enterprise.uscc",
		    "企业%s已持有有效的电子口岸%s（卡号 %s，持卡人 %s），不是新入网企业：%s", c->uscc,
		    strcmp(r->arg, "legal") == 0 ? "法人卡" : "操作员卡", str(card, "number"),
		    str(card, "holder"), r->label);
		break;
	}
	json_decref(all);
}

/* The other open cases no rule held against this one: a warning, in one
 * finding however many there are. */
static void
open_warning(struct ctx *c)
{
	struct buf b = { 0 };
	size_t i, n = 0;
	json_t *o;

	json_array_foreach(others(c), i, o) {
		if (c->conflict[i])
			continue;
		if (n++ < 5)
			buf_printf(&b, "%s%s %s %s", b.len ? "、" : "", str(o, "id"), type_zh(o),
			    state_zh(o));
	}
	if (n)
		add(c, 0, "case-open", "enterprise.uscc",
		    "本企业另有%zu件在办业务（%s%s），请核对是否重复申请", n, b.s, n > 5 ? "等" : "");
	buf_free(&b);
}

/* holder: the case's work is for each holder's own card.  A card the case
 * names that the store gives to another person is refused; with no card
 * named, so is the enterprise's legal card when it is another's (there is
 * only one). */
static void
check_holder(struct ctx *c, const struct rule *r)
{
	size_t i, k, nc = json_array_size(c->cards);
	json_t *h, *card, **known = xcalloc(nc + 1, sizeof *known);
	unsigned char *mine = xcalloc(nc + 1, 1);

	json_array_foreach(c->cards, k, card)
		if (c->env->card && *str(card, "number") &&
		    (known[k] = c->env->card(c->env->arg, str(card, "number"))) &&
		    *c->uscc && strcmp(str(known[k], "uscc"), c->uscc) != 0) {
			json_decref(known[k]);	/* card-foreign says it */
			known[k] = NULL;
		}
	json_array_foreach(c->holders, i, h)
		for (k = 0; k < nc; k++)
			if (known[k] && same_id(str(h, "id_number"), str(known[k], "id_number")))
				mine[k] = 1;
	json_array_foreach(c->holders, i, h) {
		const char *id = str(h, "id_number");
		json_t *other = NULL, *all = NULL, *e;
		size_t j;

		if (!per_match(r->per, h) || !*id)
			continue;
		for (k = 0; k < nc; k++) {
			if (known[k] && same_id(id, str(known[k], "id_number")))
				break;
			if (known[k] && !mine[k] && !other)
				other = known[k];
		}
		if (k < nc)
			continue;
		if (!other && !nc && strcmp(str(h, "role"), "legal") == 0 && c->env->enterprise_cards &&
		    *c->uscc) {
			all = c->env->enterprise_cards(c->env->arg, c->uscc);
			json_array_foreach(all, j, e) {
				if (strcmp(str(e, "role"), "legal") || strcmp(str(e, "state"), "active"))
					continue;
				if (same_id(id, str(e, "id_number"))) {
					other = NULL;
					break;
				}
				other = e;
			}
		}
		if (other) {
			char *path = xasprintf("holders.%zu.id_number", i + 1), *w = who(h, i);

			if (strcmp(str(h, "name"), str(other, "holder")) == 0)
				add(c, 1, "card-holder", path,
				    "%s的证件号码%s与卡号%s登记的持卡人证件号码不符：%s", w, id,
				    str(other, "number"), r->label);
			else
				add(c, 1, "card-holder", path,
				    "%s不是卡号%s的登记持卡人（登记持卡人：%s）：%s", w,
				    str(other, "number"), str(other, "holder"), r->label);
			free(path);
			free(w);
		}
		json_decref(all);
	}
	for (k = 0; k < nc; k++)
		json_decref(known[k]);
	free(known);
	free(mine);
}

/* an order line's quantity: a number, or digits from a CSV export */
static long
qty(const json_t *v)
{
	return json_is_string(v) ? atol(json_string_value(v)) : (long)json_integer_value(v);
}

/* Orders: what the case needs, by product, against the order's lines. */
static void
check_order(struct ctx *c)
{
	struct need {
		const char *product;
		long qty;
	} need[16];
	size_t nneed = 0, i;
	int any = 0;
	const char *num = str(c->rec, "order"), *used;
	json_t *o, *line;

	for (size_t ri = 0; ri < c->rb->nrules; ri++) {
		const struct rule *r = &c->rb->rules[ri];
		long q;
		size_t j;

		if (r->what != W_ORDER || !rule_applies(c, r))
			continue;
		any = 1;
		q = (long)r->n * (r->per == PER_CASE ? 1 : (long)count_holders(c, r->per));
		for (j = 0; j < nneed && strcmp(need[j].product, r->arg) != 0; j++)
			;
		if (j == nneed && nneed < LEN(need))
			need[nneed++] = (struct need){ r->arg, 0 };
		if (j < nneed)
			need[j].qty += q;
	}
	if (!any)
		return;
	if (!*num) {
		add(c, 1, "order-missing", "order", "缺少安全产品销售平台订单号（请在小程序选择“%s，%s”购买）",
		    ORDER_OFFICE, ORDER_PICKUP);
		return;
	}
	if (c->env->order_case && (used = c->env->order_case(c->env->arg, num)) &&
	    (!c->env->self_id || strcmp(used, c->env->self_id) != 0))
		add(c, 1, "order-used", "order", "订单%s已用于业务%s，一个订单只能办理一次", num, used);
	if (!c->env->order)
		return;
	if (!(o = c->env->order(c->env->arg, num))) {
		add(c, 1, "order-unknown", "order",
		    "订单%s尚未导入：请核对订单号，或先导入销售平台的订单（eport-order import），未确认支付的订单不能制卡",
		    num);
		return;
	}
	if (strcmp(str(o, "office"), ORDER_OFFICE) != 0)
		add(c, 1, "order-mismatch", "order", "订单%s的关区为“%s”，应选择“%s”", num,
		    str(o, "office"), ORDER_OFFICE);
	/* seed 八 ①: a reader bought for the maker's post comes from the maker */
	if (strcmp(str(o, "pickup"), ORDER_PICKUP) != 0 && strcmp(c->type, "reader") == 0 &&
	    strcmp(str(o, "pickup"), "厂家邮寄") == 0)
		add(c, 1, "order-mismatch", "order",
		    "订单%s选择了厂家邮寄：读卡器由厂商按订单上的信息直接邮寄给企业，无需到本中心领取，本业务不必办理",
		    num);
	else if (strcmp(str(o, "pickup"), ORDER_PICKUP) != 0)
		add(c, 1, "order-mismatch", "order", "订单%s的取货方式为“%s”，应选择“%s”", num,
		    str(o, "pickup"), ORDER_PICKUP);
	for (size_t j = 0; j < nneed; j++) {
		long have = 0;

		json_array_foreach(json_object_get(o, "lines"), i, line)
			if (strcmp(str(line, "product"), need[j].product) == 0)
				have += qty(json_object_get(line, "qty"));
		if (have < need[j].qty)
			add(c, 1, "order-mismatch", "order", "订单%s中%s数量为%ld，本业务需要%ld", num,
			    need[j].product, have, need[j].qty);
	}
	if (strcmp(str(o, "status"), "待支付") == 0 || strcmp(str(o, "status"), "待退款") == 0)
		add(c, 1, "order-unpaid", "order", "订单%s状态为%s，须支付成功的订单", num,
		    str(o, "status"));
	json_decref(o);
}

/* A sealed copy of the same kind for the same holder, sent after this one
 * (eport-attach), answers for it. */
static int
superseded(const struct ctx *c, size_t d, const json_t *doc)
{
	size_t j;
	json_t *later;

	json_array_foreach(c->docs, j, later)
		if (j > d && json_is_true(json_object_get(later, "sealed")) &&
		    strcmp(str(later, "kind"), str(doc, "kind")) == 0 &&
		    strcmp(str(later, "holder"), str(doc, "holder")) == 0)
			return 1;
	return 0;
}

static void
check_documents(struct ctx *c)
{
	size_t d;
	json_t *doc;

	json_array_foreach(c->docs, d, doc) {
		const struct kind *k = kind_get(c->rb, str(doc, "kind"), NULL);
		const char *file = str(doc, "file");
		char *path = xasprintf("documents.%zu", d + 1);
		struct buf b = { 0 };

		if (!k) {
			free(path);
			continue;
		}
		if (k->paper && !json_is_true(json_object_get(doc, "sealed")) && !superseded(c, d, doc))
			add(c, 1, "doc-unsealed", path, "%s未加盖单位公章%s%s", k->cite,
			    *file ? "：" : "", file);
		if (!*file)
			add(c, 0, "doc-unscanned", path, "%s没有扫描件（仅纸质存档）", k->cite);
		else if (strcmp(c->channel, "online") == 0 && c->env->doc_bytes &&
		    c->env->doc_bytes(c->env->arg, doc, &b) == 0) {
			if (!file_format(b.s, b.len))
				add(c, 1, "doc-format", path, "%s（%s）不是JPEG、PNG、GIF、BMP或PDF文件",
				    k->cite, file);
			if (b.len > RULES_UPLOAD_MAX)
				add(c, 1, "doc-size", path, "%s（%s）超过4MB，请压缩后重新上传", k->cite, file);
		}
		buf_free(&b);
		free(path);
	}
}

static void
check_id(struct ctx *c, const json_t *p, const char *at, const char *w)
{
	const char *type = str(p, "id_type"), *num = str(p, "id_number");
	const char *birth = str(p, "birth_date"), *g = str(p, "gender");
	struct idinfo id;
	char *path;
	int sex;

	if (*type && !id_type_valid(type)) {
		path = xasprintf("%s.id_type", at);
		add(c, 1, "id-invalid", path, "%s的证件类别“%s”未知", w, type);
		free(path);
		return;
	}
	if (!*num)
		return;
	path = xasprintf("%s.id_number", at);
	if (id_check(type, num, &id) != ID_OK)
		add(c, 1, "id-invalid", path, "%s的证件号码%s无效：%s", w, num, id.why_zh);
	free(path);
	if (*id.birth && *birth && strcmp(birth, id.birth) != 0) {
		path = xasprintf("%s.birth_date", at);
		add(c, 1, "id-birth-mismatch", path, "%s的出生日期%s与证件号码中的%s不符", w, birth, id.birth);
		free(path);
	}
	sex = !strcmp(g, "M") || !strcmp(g, "男") ? 'M' : !strcmp(g, "F") || !strcmp(g, "女") ? 'F' : 0;
	if (id.sex && *g && sex != id.sex) {
		path = xasprintf("%s.gender", at);
		add(c, 1, "id-gender-mismatch", path, "%s的性别“%s”与证件号码（%s）不符", w, g,
		    id.sex == 'M' ? "男" : "女");
		free(path);
	}
}

static void
check_phone(struct ctx *c, const char *phone, const char *path, int block, const char *label)
{
	if (*phone && !phone_valid(phone))
		add(c, block, "phone-invalid", path, "%s%s不是有效的手机号码或固定电话号码", label, phone);
}

static void
check_people(struct ctx *c)
{
	const json_t *handler = json_object_get(c->rec, "handler");
	size_t i, j;
	json_t *h, *h2;

	json_array_foreach(c->holders, i, h) {
		char *at = xasprintf("holders.%zu", i + 1), *w = who(h, i), *path;
		const char *role = str(h, "role"), *id = str(h, "id_number");

		if (strcmp(role, "legal") != 0 && strcmp(role, "operator") != 0) {
			path = xasprintf("%s.role", at);
			add(c, 1, "field-missing", path, "%s的角色应为legal（法人卡）或operator（操作员卡）", w);
			free(path);
		}
		check_id(c, h, at, w);
		for (j = 0; j < i && *id; j++) {
			h2 = json_array_get(c->holders, j);
			if (strcmp(str(h2, "id_number"), id) == 0) {
				path = xasprintf("%s.id_number", at);
				add(c, 1, "holder-duplicate", path, "证件号码%s在本申请中重复（%s）", id, w);
				free(path);
				break;
			}
		}
		path = xasprintf("%s.phone", at);
		free(at);
		at = xasprintf("%s的联系电话", w);
		check_phone(c, str(h, "phone"), path, 0, at);
		free(path);
		free(at);
		free(w);
	}
	check_id(c, handler, "handler", "经办人");
	check_phone(c, str(handler, "phone"), "handler.phone", 0, "经办人联系电话");
}

/* a carrier's name as the comparison takes it: no white space (ASCII or
 * the ideographic space), ASCII letters in lower case */
static char *
carrier_key(const char *s, size_t n)
{
	char *k = xcalloc(n + 1, 1), *p = k;

	for (size_t i = 0; i < n; i++) {
		if (strchr(" \t\r\n\v\f", s[i]))
			continue;
		if (i + 2 < n && memcmp(s + i, "\xe3\x80\x80", 3) == 0) {
			i += 2;
			continue;
		}
		*p++ = s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i];
	}
	return k;
}

/* Post comes by EMS only, under any of China Post's names for it. */
static void
check_carrier(struct ctx *c, const char *carrier)
{
	const char *names = c->env->ems_names ? c->env->ems_names : EMS_NAMES, *p, *e;
	char *want = carrier_key(carrier, strlen(carrier));
	struct buf list = { 0 };
	int ok = 0;

	for (p = names; *p; p = *e ? e + 1 : e) {
		char *k;

		e = p + strcspn(p, ",");
		k = carrier_key(p, e - p);
		if (*k && *want && strcmp(k, want) == 0)
			ok = 1;
		if (*k) {
			size_t a = strspn(p, " \t"), b = e - p;

			while (b > a && strchr(" \t", p[b - 1]))
				b--;
			buf_printf(&list, "%s%.*s", list.len ? "、" : "", (int)(b - a), p + a);
		}
		free(k);
	}
	if (!*want)
		add(c, 1, "inbound-carrier", "inbound.carrier",
		    "未填写寄达本件的快递：根据《邮政法》规定仅接收邮政EMS寄递的资料（本中心接收：%s）",
		    list.s ? list.s : "");
	else if (!ok)
		add(c, 1, "inbound-carrier", "inbound.carrier",
		    "本件由“%s”寄达：根据《邮政法》规定仅接收邮政EMS寄递的资料（本中心接收：%s）",
		    carrier, list.s ? list.s : "");
	buf_free(&list);
	free(want);
}

/* field-formula: text the enterprise supplied that a spreadsheet would run
 * as a formula.  A phone number may start with +86; a lone "-" is the
 * forms' way of saying none. */
static void
check_formula_at(struct ctx *c, const json_t *v, struct buf *path)
{
	size_t len = path->len, i;
	const char *key, *s;
	json_t *e;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, e) {
			buf_printf(path, "%s%s", len ? "." : "", key);
			check_formula_at(c, e, path);
			path->len = len;
			path->s[len] = '\0';
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			buf_printf(path, "%s%zu", len ? "." : "", i + 1);
			check_formula_at(c, e, path);
			path->len = len;
			path->s[len] = '\0';
		}
	} else if ((s = json_string_value(v)) && strchr("=+-@", *s) && *s && s[1] &&
	    !((*s == '+' || *s == '-') && phone_valid(s))) {
		const char *last = strrchr(path->s, '.');

		if (last && (!strcmp(last, ".sha256") || !strcmp(last, ".blob") || !strcmp(last, ".path")))
			return;
		add(c, 0, "field-formula", path->s,
		    "字段%s以“%c”开头，在电子表格中会被当作公式执行：请核对并更正", path->s, *s);
	}
}

static void
check_formula(struct ctx *c)
{
	static const char *const from[] = {
		"ref", "enterprise", "handler", "holders", "cards", "order", "change", "pickup",
		"mail", "inbound", "documents",
	};
	struct buf path = { 0 };

	for (size_t i = 0; i < LEN(from); i++) {
		buf_puts(&path, from[i]);
		check_formula_at(c, json_object_get(c->rec, from[i]), &path);
		path.len = 0;
		path.s[0] = '\0';
	}
	buf_free(&path);
}

static void
check_case(struct ctx *c)
{
	static const char *const mail[][2] = {
		{ "recipient", "收件人" }, { "phone", "收件人联系电话" }, { "address", "收件地址" },
	};
	const json_t *m = json_object_get(c->rec, "mail");
	const char *carrier = dstr(c->rec, "inbound.carrier");
	const char *why;
	size_t i;
	json_t *card;

	if (*c->uscc) {
		int rc = uscc_check(c->uscc, &why);

		if (rc == ID_BAD && strcmp(why, "bad check character") == 0)
			add(c, 1, "uscc-invalid", "enterprise.uscc",
			    "统一社会信用代码%s校验不通过：按前17位应以“%c”结尾，请逐位核对营业执照",
			    c->uscc, uscc_check_char(c->uscc));
		else if (rc == ID_BAD)
			add(c, 1, "uscc-invalid", "enterprise.uscc", "统一社会信用代码%s无效，请核对", c->uscc);
		else if (rc == ID_LEGACY)
			add(c, 0, "uscc-legacy", "enterprise.uscc",
			    "统一社会信用代码%s的校验码不符合GB 32100（2016年前福建赋码），组织机构代码校验通过",
			    c->uscc);
	}
	if (*c->pickup && strcmp(c->pickup, "mail") != 0 && strcmp(c->pickup, "window") != 0)
		add(c, 1, "field-missing", "pickup", "领卡方式应为mail（邮寄领卡）或window（窗口领卡）");
	if (strcmp(c->channel, "online") != 0 && strcmp(c->channel, "post") != 0)
		add(c, 1, "field-missing", "channel", "入网方式应为online（无纸化）或post（非无纸化）");
	if (strcmp(c->channel, "post") == 0)
		check_carrier(c, carrier);
	if (strcmp(c->pickup, "mail") == 0)
		for (i = 0; i < LEN(mail); i++)
			if (!*str(m, mail[i][0])) {
				char *path = xasprintf("mail.%s", mail[i][0]);

				add(c, 1, "mail-incomplete", path, "邮寄领卡须填写%s", mail[i][1]);
				free(path);
			}
	check_phone(c, str(m, "phone"), "mail.phone", 1, "收件人联系电话");
	json_array_foreach(c->cards, i, card) {
		const char *num = str(card, "number");
		char *path = xasprintf("cards.%zu.number", i + 1);
		json_t *known = *num && c->env->card ? c->env->card(c->env->arg, num) : NULL;

		if (!*num)
			add(c, 1, "field-missing", path, "寄来的第%zu张卡未填写卡号", i + 1);
		else if (c->env->card && !known)
			add(c, 0, "card-unknown", path, "卡号%s不在本中心的卡片登记中，请核对", num);
		else if (known && *c->uscc && strcmp(str(known, "uscc"), c->uscc) != 0)
			add(c, 1, "card-foreign", path, "卡号%s属于其他企业（统一社会信用代码%s）",
			    num, str(known, "uscc"));
		else if (known && strcmp(str(known, "state"), "revoked") == 0 && c->env->self_id &&
		    strcmp(str(known, "revoked_case"), c->env->self_id) == 0)
			;	/* the case revoked it itself: a reissue's old card */
		else if (known && strcmp(str(known, "state"), "revoked") == 0 &&
		    strcmp(c->type, "deregister") == 0)
			add(c, 0, "card-revoked", path, "卡号%s已于%.10s作废，无需再注销", num,
			    str(known, "revoked"));
		else if (known && strcmp(str(known, "state"), "revoked") == 0 &&
		    strcmp(c->type, "reissue") == 0)
			add(c, 1, "card-revoked", path,
			    "卡号%s已于%.10s作废，不能据此补办：请核对卡号，或是否已补办过", num,
			    str(known, "revoked"));
		else if (known && strcmp(str(known, "state"), "revoked") == 0)
			add(c, 1, "card-revoked", path,
			    "卡号%s已于%.10s作废，不能再办理%s：如需新卡请办理补办", num,
			    str(known, "revoked"), type_name(c->type) ? type_name(c->type) : c->type);
		json_decref(known);
		free(path);
	}
	if (strcmp(c->type, "onboard") != 0 && *c->uscc && c->env->enterprise_closed &&
	    c->env->enterprise_closed(c->env->arg, c->uscc))
		add(c, 1, "enterprise-closed", "enterprise.uscc", "企业%s已注销电子口岸，不能办理此业务",
		    c->uscc);
}

static int
type_known(const struct rulebook *rb, const char *type)
{
	for (size_t i = 0; i < rb->nrules; i++) {
		const char *spec = rb->rules[i].type;

		if (*spec != '*' && *spec != '!' && has_type(spec, type))
			return 1;
	}
	return 0;
}

json_t *
rules_check(const struct rulebook *rb, const json_t *rec, const struct check_env *env)
{
	static const struct check_env none;
	struct ctx c = {
		.rb = rb, .rec = rec, .env = env ? env : &none, .out = json_array(),
		.holders = json_object_get(rec, "holders"),
		.docs = json_object_get(rec, "documents"),
		.cards = json_object_get(rec, "cards"),
		.type = str(rec, "type"), .channel = str(rec, "channel"),
		.pickup = str(rec, "pickup"), .uscc = dstr(rec, "enterprise.uscc"),
	};

	if (!type_known(rb, c.type)) {
		add(&c, 1, "field-missing", "type", *c.type ? "业务类型“%s”未知" : "未填写业务类型%s", c.type);
		return c.out;
	}
	c.channel = channel_of(rec);
	for (size_t i = 0; i < rb->nrules; i++) {
		const struct rule *r = &rb->rules[i];

		if (!rule_applies(&c, r))
			continue;
		switch (r->what) {
		case W_FIELD:
			check_field(&c, r);
			break;
		case W_HOLDERS:
			check_holders(&c, r);
			break;
		case W_ATTEST:
			if (!json_is_true(json_object_get(json_object_get(rec, "attest"), r->arg))) {
				char *path = xasprintf("attest.%s", r->arg);

				add(&c, 1, "tripartite", path, "缺少%s", r->label);
				free(path);
			}
			break;
		case W_UNIQUE:
			check_unique(&c, r);
			break;
		case W_OPEN:
			check_open(&c, r);
			break;
		case W_NOCARD:
			check_nocard(&c, r);
			break;
		case W_HOLDER:
			check_holder(&c, r);
			break;
		case W_KIND:
			if (rb->kinds[r->kind].paper)
				check_doc(&c, r, &rb->kinds[r->kind]);
			else
				check_card(&c, r, &rb->kinds[r->kind]);
			break;
		}
	}
	check_order(&c);
	check_documents(&c);
	check_people(&c);
	check_case(&c);
	check_formula(&c);
	open_warning(&c);
	json_decref(c.others);
	free(c.conflict);
	return c.out;
}
