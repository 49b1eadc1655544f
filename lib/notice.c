/* notice.c: what the notices handed to an enterprise say: the collection
 * notice (领卡通知书) of a case to collect at the hall, and the bounce notice
 * (退件通知书) of a case whose post came back.  Both name the counter
 * (office.counter) and who pays the freight.  The content is a list of
 * lines, so that plain text and a drawn page render the same words; the
 * public snapshot keeps them (masked) and eport-web adds the date it is
 * printed.  Nothing here reads the store, so that eport-web links none of
 * it. */
#include <stdlib.h>
#include <string.h>

#include "eport.h"

static void
line(json_t *a, const char *kind, const char *label, const char *text)
{
	json_t *l = json_pack("{s:s}", "kind", kind);

	if (label)
		json_object_set_new(l, "label", json_string(label));
	if (text)
		json_object_set_new(l, "text", json_string(text));
	json_array_append_new(a, l);
}

/* a line of text made with xasprintf (which it frees) */
static void
line_own(json_t *a, const char *kind, const char *label, char *text)
{
	line(a, kind, label, text);
	free(text);
}

static const char *
holder_name(const json_t *kase, const char *id_number)
{
	size_t i;
	json_t *h;

	json_array_foreach(json_object_get(kase, "holders"), i, h)
		if (*id_number && !strcmp(jstr(h, "id_number"), id_number))
			return jstr(h, "name");
	return "";
}

static const char *
card_kind(const char *role)
{
	if (!strcmp(role, "legal"))
		return "电子口岸法人卡";
	if (!strcmp(role, "operator"))
		return "电子口岸操作员卡";
	return "电子口岸卡";
}

/* What the enterprise collects: the cards written, else the cards it sent
 * in (unlocked or renewed), or a reader case's reader. */
static void
items(json_t *a, const json_t *kase)
{
	const json_t *cards = json_object_get(kase, "issued");
	size_t i, n = 0;
	json_t *c;

	if (!json_array_size(cards))
		cards = json_object_get(kase, "cards");
	line(a, "heading", NULL, "领取物品");
	json_array_foreach(cards, i, c) {
		const char *name = holder_name(kase, jstr(c, "holder"));

		line_own(a, "item", NULL, xasprintf("%zu. %s %s%s%s", ++n, card_kind(jstr(c, "role")),
		    jstr(c, "number"), *name ? " " : "", name));
	}
	if (!strcmp(jstr(kase, "type"), "reader"))
		line_own(a, "item", NULL, xasprintf("%zu. 自购读卡器（订单 %s）", ++n, jstr(kase, "order")));
	if (!n)
		line(a, "item", NULL, "无");
}

json_t *
notice_lines(const struct office *o, const json_t *kase, time_t now)
{
	const json_t *ent = json_object_get(kase, "enterprise");
	const json_t *handler = json_object_get(kase, "handler");
	const char *counter = o->counter, *type = jstr(kase, "type");
	int bounced = !strcmp(jstr(kase, "state"), "bounced");
	json_t *a = json_array();
	char today[11];

	line(a, "title", NULL, bounced ? "退件通知书" : "领卡通知书");
	line(a, "gap", NULL, NULL);
	line(a, "field", "企业名称", jstr(ent, "name"));
	line(a, "field", "统一社会信用代码", jstr(ent, "uscc"));
	line(a, "field", "业务编号", jstr(kase, "id"));
	line(a, "field", "业务类型", type_name(type) ? type_name(type) : type);
	line_own(a, "field", "受理日期", xasprintf("%.10s", jstr(kase, "taken")));
	if (*jstr(kase, "accepted"))
		line_own(a, "field", "审核通过", xasprintf("%.10s", jstr(kase, "accepted")));
	if (*jstr(handler, "name"))
		line(a, "field", "经办人", jstr(handler, "name"));
	line(a, "gap", NULL, NULL);
	items(a, kase);
	line(a, "gap", NULL, NULL);
	if (bounced) {
		const json_t *ob = json_object_get(kase, "outbound");
		const char *why = jstr(ob, "why"), *tracking = jstr(ob, "tracking");
		struct buf b = { 0 };

		buf_puts(&b, "邮件");
		if (*tracking)
			buf_printf(&b, "（EMS %s）", tracking);
		buf_printf(&b, "已退回%s%s。", *why ? "：" : "", why);
		line(a, "text", NULL, b.s);
		buf_free(&b);
		line_own(a, "text", NULL, xasprintf("往返快递费用（寄出和退回）由企业承担，领取时在%s支付。",
		    counter));
	} else {
		line(a, "text", NULL, "窗口领取，不产生快递费用。");
	}
	line(a, "gap", NULL, NULL);
	line_own(a, "text", NULL, xasprintf("本通知书须加盖单位公章，由经办人持本人身份证件到服务大厅%s领取。",
	    counter));
	line(a, "gap", NULL, NULL);
	line(a, "field", "领卡地点", o->name);
	line(a, "field", "领卡柜台", counter);
	line(a, "field", "地址", o->address);
	line(a, "field", "电话", o->phone);
	line_own(a, "field", "办公时间", xasprintf("工作日 %s", o->hours));
	line(a, "gap", NULL, NULL);
	line(a, "seal", NULL, "（单位公章）");
	if (now) {
		fmt_date(now, today);
		notice_dated(a, today);
	}
	return a;
}

void
notice_dated(json_t *lines, const char *today)
{
	line(lines, "field", "打印日期", today);
}

char *
notice_text(const json_t *lines)
{
	struct buf b = { 0 };
	size_t i;
	json_t *l;

	json_array_foreach(lines, i, l) {
		const char *kind = jstr(l, "kind"), *text = jstr(l, "text");

		if (!strcmp(kind, "field"))
			buf_printf(&b, "%s：%s\n", jstr(l, "label"), text);
		else if (!strcmp(kind, "heading"))
			buf_printf(&b, "%s：\n", text);
		else if (!strcmp(kind, "item"))
			buf_printf(&b, "  %s\n", text);
		else if (!strcmp(kind, "gap"))
			buf_puts(&b, "\n");
		else
			buf_printf(&b, "%s\n", text);
	}
	if (!b.s)
		return xstrdup("");
	return b.s;
}
