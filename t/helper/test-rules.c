/* test-rules: checks case records against the rulebook, for t/0310-rules.t.
 * Reads FILE, one JSON record per line ('#' lines and blank lines skipped),
 * and prints "line<TAB>severity<TAB>rule<TAB>path" per finding (-m: and the
 * message).  A line {"$base": REF, ...} is the record of BASE whose ref is
 * REF, with the rest of the line merged in as a JSON merge patch (RFC 7386:
 * null deletes).  "$expect": ["block doc-missing documents.form1", ...] is
 * what the line should find; -E prints those instead, in the same form.
 * -r REGISTRY stands in for the store: {"cards": [card...], "orders":
 * [order...], "used": {order: case}, "closed": [uscc...], "cases": [case...]}
 * in the shapes of lib/eport.h (cases: the stored cases, of which the open
 * ones are the enterprise's open cases).  Documents' files are read relative to FILE. */
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "each.h"

static json_t *registry;
static char *docdir;

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-Em] [-b BASE] [-r REGISTRY] [-s SHAREDIR] FILE\n", argv0);
	exit(2);
}

static const char *
str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static void
merge_patch(json_t *target, json_t *patch)
{
	const char *key;
	json_t *v, *t;

	json_object_foreach(patch, key, v) {
		t = json_object_get(target, key);
		if (json_is_null(v))
			json_object_del(target, key);
		else if (json_is_object(v) && json_is_object(t))
			merge_patch(t, v);
		else
			json_object_set_new(target, key, json_deep_copy(v));
	}
}

/* the first entry of registry[list] whose fields match */
static json_t *
find(const char *list, const char *k1, const char *v1, const char *k2, const char *v2)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(registry, list), i, e)
		if (strcmp(str(e, k1), v1) == 0 && (!k2 || strcmp(str(e, k2), v2) == 0))
			return json_incref(e);
	return NULL;
}

static json_t *
reg_card(void *arg, const char *number)
{
	(void)arg;
	return find("cards", "number", number, NULL, NULL);
}

static json_t *
reg_enterprise_cards(void *arg, const char *uscc)
{
	json_t *out = json_array(), *e;
	size_t i;

	(void)arg;
	json_array_foreach(json_object_get(registry, "cards"), i, e)
		if (strcmp(str(e, "uscc"), uscc) == 0 && strcmp(str(e, "state"), "active") == 0)
			json_array_append(out, e);
	return out;
}

static json_t *
reg_holder_card(void *arg, const char *uscc, const char *id)
{
	json_t *all = reg_enterprise_cards(arg, uscc), *e, *found = NULL;
	size_t i;

	json_array_foreach(all, i, e)
		if (!found && strcmp(str(e, "id_number"), id) == 0 && strcmp(str(e, "role"), "operator") == 0)
			found = json_incref(e);
	json_decref(all);
	return found;
}

static json_t *
reg_order(void *arg, const char *number)
{
	(void)arg;
	return find("orders", "order", number, NULL, NULL);
}

static const char *
reg_order_case(void *arg, const char *number)
{
	(void)arg;
	return json_string_value(json_object_get(json_object_get(registry, "used"), number));
}

static int
reg_closed(void *arg, const char *uscc)
{
	size_t i;
	json_t *e;

	(void)arg;
	json_array_foreach(json_object_get(registry, "closed"), i, e)
		if (strcmp(json_string_value(e) ? json_string_value(e) : "", uscc) == 0)
			return 1;
	return 0;
}

static json_t *
reg_open_cases(void *arg, const char *uscc)
{
	json_t *out = json_array(), *e;
	size_t i;

	(void)arg;
	json_array_foreach(json_object_get(registry, "cases"), i, e)
		if (strcmp(str(json_object_get(e, "enterprise"), "uscc"), uscc) == 0 &&
		    !case_done(str(e, "state")))
			json_array_append(out, e);
	return out;
}

static int
doc_bytes(void *arg, const json_t *doc, struct buf *out)
{
	const char *file = str(doc, "file");
	char *path;
	int rc;

	(void)arg;
	if (!path_is_safe(file))
		return -1;
	path = xasprintf("%s/%s", docdir, file);
	rc = read_file(path, out, 64u << 20);
	free(path);
	return rc;
}

static json_t *
load_base(const char *path)
{
	json_t *base = json_object(), *rec;
	json_error_t e;
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;

	if (!fp)
		die("cannot open '%s':", path);
	while (getline(&line, &cap, fp) > 0) {
		if (*line == '#' || *line == '\n')
			continue;
		if (!(rec = json_loads(line, 0, &e)))
			die("%s:%d: %s", path, e.line, e.text);
		json_object_set_new(base, str(rec, "ref"), rec);
	}
	free(line);
	fclose(fp);
	return base;
}

int
main(int argc, char *argv[])
{
	struct check_env env = { 0 };
	struct rulebook *rb;
	json_t *base = NULL, *rec, *found, *f;
	json_error_t e;
	const char *share = NULL;
	char err[512], *line = NULL, *tmp;
	size_t cap = 0, i;
	long lineno = 0;
	int c, expect = 0, msgs = 0;
	FILE *fp;

	setprogname(argv[0]);
	while ((c = getopt(argc, argv, "Emb:r:s:")) != -1)
		switch (c) {
		case 'E':
			expect = 1;
			break;
		case 'm':
			msgs = 1;
			break;
		case 'b':
			base = load_base(optarg);
			break;
		case 'r':
			if (!(registry = json_load_file(optarg, 0, &e)))
				die("%s:%d: %s", optarg, e.line, e.text);
			break;
		case 's':
			share = optarg;
			break;
		default:
			usage();
		}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();
	rb = share ? rules_load_dir(share, err, sizeof err) : rules_load(NULL, err, sizeof err);
	if (!rb)
		die("%s", err);
	if (registry) {
		env.card = reg_card;
		env.enterprise_cards = reg_enterprise_cards;
		env.holder_card = reg_holder_card;
		env.order = reg_order;
		env.order_case = reg_order_case;
		env.enterprise_closed = reg_closed;
		env.open_cases = reg_open_cases;
	}
	env.doc_bytes = doc_bytes;
	tmp = xstrdup(argv[0]);
	docdir = xstrdup(dirname(tmp));
	free(tmp);
	if (!(fp = fopen(argv[0], "r")))
		die("cannot open '%s':", argv[0]);
	while (getline(&line, &cap, fp) > 0) {
		lineno++;
		if (*line == '#' || *line == '\n')
			continue;
		if (!(rec = json_loads(line, 0, &e)))
			die("%s:%ld: %s", argv[0], lineno, e.text);
		if (*str(rec, "$base")) {
			json_t *b = json_object_get(base, str(rec, "$base"));

			if (!b)
				die("%s:%ld: no base record '%s'", argv[0], lineno, str(rec, "$base"));
			b = json_deep_copy(b);
			json_object_del(rec, "$base");
			merge_patch(b, rec);
			json_object_set(b, "$expect", json_object_get(rec, "$expect"));
			json_decref(rec);
			rec = b;
		}
		if (expect) {
			json_array_foreach(json_object_get(rec, "$expect"), i, f) {
				char *s = xstrdup(json_string_value(f) ? json_string_value(f) : "");

				for (char *p = s; *p; p++)
					if (*p == ' ')
						*p = '\t';
				printf("%ld\t%s\n", lineno, s);
				free(s);
			}
			json_decref(rec);
			continue;
		}
		json_object_del(rec, "$expect");
		env.self_id = json_string_value(json_object_get(rec, "id"));
		found = rules_check(rb, rec, &env);
		json_array_foreach(found, i, f) {
			printf("%ld\t%s\t%s\t%s", lineno, str(f, "severity"), str(f, "rule"), str(f, "path"));
			if (msgs)
				printf("\t%s", str(f, "message"));
			putchar('\n');
		}
		json_decref(found);
		json_decref(rec);
	}
	free(line);
	fclose(fp);
	free(docdir);
	json_decref(base);
	json_decref(registry);
	rules_free(rb);
	return fshut(stdout, "<stdout>");
}
