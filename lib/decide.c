/* decide.c: what a review may decide on a case, and how a case reads in the
 * public status query (DESIGN.md sections 3 and 4).  Pure functions of the
 * case record, so that t/helper/test-decide can try every state without a
 * store. */
#include <string.h>

#include "eport.h"

static const char *const type_names[][2] = {
	{ "onboard", "新入网企业制卡" },
	{ "info-change", "企业基本信息变更" },
	{ "operator-change", "变更操作员卡" },
	{ "operator-add", "新增操作员卡" },
	{ "reissue", "补办" },
	{ "renew", "证书更新" },
	{ "unlock", "解锁" },
	{ "reader", "自购读卡器领取" },
	{ "deregister", "注销" },
};

const char *
type_name(const char *type)
{
	for (size_t i = 0; i < LEN(type_names); i++)
		if (!strcmp(type_names[i][0], type))
			return type_names[i][1];
	return NULL;
}

static int
later(const char *a, const char *b)
{
	time_t ta, tb;

	if (parse_time(a, &ta) < 0 || parse_time(b, &tb) < 0)
		return strcmp(a, b) > 0;
	return ta > tb;
}

int
review_guard(const json_t *kase, const char *action, const char *user, char *why, size_t len)
{
	const char *state = jstr(kase, "state"), *by = jstr(kase, "by");
	const char *checked = jstr(kase, "checked"), *amended = jstr(kase, "amended");

	if (!strcmp(action, "accept")) {
		if (strcmp(state, "checked")) {
			snprintf(why, len, "case is %s, not checked", state);
			return 1;
		}
		if (!*checked) {
			snprintf(why, len, "case has no check time: check it again");
			return 1;
		}
		if (*amended && later(amended, checked)) {
			snprintf(why, len, "case was amended since its last check: check it again");
			return 1;
		}
		if (rules_blocking(json_object_get(kase, "findings"))) {
			snprintf(why, len, "the last check found a blocking problem: check it again");
			return 1;
		}
		if (!strcmp(by, user)) {
			snprintf(why, len, "four eyes: %s took this case in and cannot accept it", by);
			return 1;
		}
		return 0;
	}
	if (!strcmp(action, "reject") || !strcmp(action, "return")) {
		if (strcmp(state, "checked") && strcmp(state, "incomplete")) {
			snprintf(why, len, "case is %s, not checked or incomplete", state);
			return 1;
		}
		return 0;
	}
	snprintf(why, len, "'%s': not a decision", action);
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
	} else if (!strcmp(state, "delivered") || !strcmp(state, "closed")) {
		status = "已办结";
	}
	*detail = xstrdup(d);
	return status;
}
