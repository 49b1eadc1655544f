/* decide.c: what a review may decide on a case, and how a case reads in the
 * public status query (DESIGN.md sections 3 and 4).  Pure functions of the
 * case record, so that t/helper/test-decide can try every state without a
 * store. */
#include <string.h>

#include "eport.h"

const char *
type_name(const char *type)
{
	const struct btype *t = btype(type);

	return t ? t->zh : NULL;
}

/* Whether a finding blocks: the review's question, asked of the findings
 * rules_check made (here, so that rules.c depends on decide.c only). */
int
rules_blocking(const json_t *findings)
{
	size_t i;
	json_t *f;

	json_array_foreach(findings, i, f)
		if (strcmp(jstr(f, "severity"), "block") == 0)
			return 1;
	return 0;
}

static int
later(const char *a, const char *b)
{
	time_t ta, tb;

	if (parse_time(a, &ta) < 0 || parse_time(b, &tb) < 0)
		return strcmp(a, b) > 0;
	return ta > tb;
}

/* Whoever took the case in or supplied or changed its materials since
 * (eport-attach, eport-amend: "materials_by") is one pair of eyes. */
static const char *
hands_on(const json_t *kase, const char *user, int *intake)
{
	const json_t *a = json_object_get(kase, "materials_by"), *u;
	size_t i;

	*intake = 0;
	if (!strcmp(jstr(kase, "by"), user)) {
		*intake = 1;
		return user;
	}
	json_array_foreach(a, i, u)
		if (json_is_string(u) && !strcmp(json_string_value(u), user))
			return user;
	return NULL;
}

void
materials_by_add(json_t *kase, const char *user)
{
	json_t *a = json_object_get(kase, "materials_by"), *u;
	size_t i;

	if (!json_is_array(a)) {
		a = json_array();
		json_object_set_new(kase, "materials_by", a);
	}
	json_array_foreach(a, i, u)
		if (json_is_string(u) && !strcmp(json_string_value(u), user))
			return;
	json_array_append_new(a, json_string(user));
}

/* The states a case may be withdrawn from: every one before shipped. */
static const char *const before_shipped[] = {
	"received", "checked", "incomplete", "returned", "accepted", "ready", NULL,
};

int
withdrawable(const char *state)
{
	for (const char *const *s = before_shipped; *s; s++)
		if (!strcmp(*s, state))
			return 1;
	return 0;
}

int
review_guard(const json_t *kase, const char *action, const char *user, char *why, size_t len)
{
	const char *state = jstr(kase, "state");
	const char *checked = jstr(kase, "checked"), *amended = jstr(kase, "amended");
	int intake;

	if (!strcmp(action, "accept")) {
		if (strcmp(state, "checked")) {
			snprintf(why, len, _("case is %s, not checked"), state);
			return 1;
		}
		if (!*checked) {
			snprintf(why, len, _("case has no check time: check it again"));
			return 1;
		}
		if (*amended && later(amended, checked)) {
			snprintf(why, len, _("case was amended since its last check: check it again"));
			return 1;
		}
		if (rules_blocking(json_object_get(kase, "findings"))) {
			snprintf(why, len, _("the last check found a blocking problem: check it again"));
			return 1;
		}
		if (hands_on(kase, user, &intake)) {
			if (intake)
				snprintf(why, len, _("four eyes: %s took this case in and cannot accept it"),
				    user);
			else
				snprintf(why, len, _("four eyes: %s supplied or changed materials of this "
				    "case and cannot accept it"), user);
			return 1;
		}
		return 0;
	}
	if (!strcmp(action, "reject") || !strcmp(action, "return")) {
		if (strcmp(state, "checked") && strcmp(state, "incomplete")) {
			snprintf(why, len, _("case is %s, not checked or incomplete"), state);
			return 1;
		}
		return 0;
	}
	if (!strcmp(action, "withdraw")) {
		if (!withdrawable(state)) {
			snprintf(why, len, _("case is %s; withdraw takes a case not yet shipped "
			    "(received, checked, incomplete, returned, accepted or ready)"), state);
			return 1;
		}
		return 0;
	}
	snprintf(why, len, _("'%s': not a decision"), action);
	return 1;
}

/* the messages of the blocking findings, joined with "；" */
static char *
blocking_messages(const json_t *findings)
{
	struct buf b = { 0 };
	size_t i;
	json_t *f;

	json_array_foreach(findings, i, f) {
		if (strcmp(jstr(f, "severity"), "block"))
			continue;
		if (b.len)
			buf_puts(&b, "；");
		buf_puts(&b, *jstr(f, "message") ? jstr(f, "message") : jstr(f, "rule"));
	}
	if (!b.s)
		return xstrdup("");
	return b.s;
}

/* How a closed (or delivered) case ended, as the enterprise reads it after
 * 已办结: its last decision, its collection, its post, its type. */
static const char *
ending(const json_t *kase, const char **detail)
{
	const json_t *dec = json_object_get(kase, "decision");
	const json_t *out = json_object_get(kase, "outbound");
	const char *action = jstr(dec, "action");

	*detail = "";
	if (!strcmp(action, "reject")) {
		*detail = jstr(dec, "why");
		return "已办结 · 不予受理";
	}
	if (!strcmp(action, "withdraw")) {
		*detail = jstr(dec, "why");
		return "已办结 · 已撤回";
	}
	if (json_is_object(json_object_get(kase, "collected")))
		return "已办结 · 已领取";
	if (*jstr(out, "delivered")) {
		*detail = jstr(out, "tracking");
		return "已办结 · 已签收";
	}
	if (*jstr(out, "bounced")) {
		*detail = jstr(out, "why");
		return "已办结 · 邮件退回";
	}
	if (!strcmp(jstr(kase, "type"), "deregister"))
		return "已办结 · 已注销";
	if (!strcmp(jstr(kase, "pickup"), "window"))
		return "已办结 · 已领取";
	return "已办结";
}

const char *
public_status(const json_t *kase, char **detail)
{
	const char *state = jstr(kase, "state"), *status = state, *d = "";
	const json_t *out = json_object_get(kase, "outbound");
	const char *why = jstr(json_object_get(kase, "decision"), "why");

	if (!strcmp(state, "incomplete")) {
		*detail = blocking_messages(json_object_get(kase, "findings"));
		return "待补正";
	}
	if (!strcmp(state, "received") || !strcmp(state, "checked")) {
		status = "已受理";
	} else if (!strcmp(state, "returned")) {
		status = "待补正";
		d = why;
	} else if (!strcmp(state, "rejected")) {
		status = "不予受理";
		d = why;
	} else if (!strcmp(state, "withdrawn")) {
		status = "已撤回";
		d = why;
	} else if (!strcmp(state, "accepted")) {
		status = "审核通过";
	} else if (!strcmp(state, "ready")) {
		status = strcmp(jstr(kase, "pickup"), "mail") ? "领卡" : "待邮寄";
	} else if (!strcmp(state, "bounced")) {
		status = "领卡";
		d = jstr(out, "why");
	} else if (!strcmp(state, "shipped")) {
		status = "已邮寄";
		d = jstr(out, "tracking");
	} else if (!strcmp(state, "delivered") || !strcmp(state, "collected") ||
	    !strcmp(state, "closed")) {
		status = ending(kase, &d);
	}
	*detail = xstrdup(d);
	return status;
}
