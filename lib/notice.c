/* notice.c: the collection notice (领卡通知书) as text: its body from the
 * case, for eport-status -p and the public snapshot, and its footer, which
 * the web page adds when it is asked for.  Nothing here touches the store,
 * so that eport-web links none of it. */
#include <string.h>

#include "eport.h"

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
notice_items(struct buf *b, const json_t *kase)
{
	const json_t *cards = json_object_get(kase, "issued");
	size_t i, n = 0;
	json_t *c;

	if (!json_array_size(cards))
		cards = json_object_get(kase, "cards");
	buf_puts(b, "领取物品：\n");
	json_array_foreach(cards, i, c) {
		const char *name = holder_name(kase, jstr(c, "holder"));

		buf_printf(b, "  %zu. %s %s%s%s\n", ++n, card_kind(jstr(c, "role")),
		    jstr(c, "number"), *name ? " " : "", name);
	}
	if (!strcmp(jstr(kase, "type"), "reader"))
		buf_printf(b, "  %zu. 自购读卡器（订单 %s）\n", ++n, jstr(kase, "order"));
	if (!n)
		buf_puts(b, "  无\n");
}

void
notice_body(struct buf *b, const json_t *kase)
{
	const json_t *ent = json_object_get(kase, "enterprise");
	const char *handler = jstr(json_object_get(kase, "handler"), "name");

	buf_puts(b, "领卡通知书\n\n");
	buf_printf(b, "企业名称：%s\n", jstr(ent, "name"));
	buf_printf(b, "统一社会信用代码：%s\n", jstr(ent, "uscc"));
	buf_printf(b, "业务编号：%s\n", jstr(kase, "id"));
	buf_printf(b, "业务类型：%s\n", type_name(jstr(kase, "type")) ?: jstr(kase, "type"));
	buf_printf(b, "受理日期：%.10s\n", jstr(kase, "taken"));
	if (*jstr(kase, "accepted"))
		buf_printf(b, "审核通过：%.10s\n", jstr(kase, "accepted"));
	if (*handler)
		buf_printf(b, "经办人：%s\n", handler);
	buf_puts(b, "\n");
	notice_items(b, kase);
	buf_puts(b, "\n");
	if (!strcmp(jstr(kase, "state"), "bounced")) {
		const json_t *ob = json_object_get(kase, "outbound");
		const char *why = jstr(ob, "why"), *tracking = jstr(ob, "tracking");

		buf_puts(b, "邮件");
		if (*tracking)
			buf_printf(b, "（EMS %s）", tracking);
		buf_printf(b, "已退回%s%s。往返快递费用由企业承担。\n\n", *why ? "：" : "", why);
	}
	buf_puts(b, "本通知书须加盖单位公章，由经办人持本人身份证件到服务大厅领取。\n\n");
}

void
notice_foot(struct buf *b, const struct office *o, const char *today)
{
	buf_printf(b, "领卡地点：%s\n", o->name);
	buf_printf(b, "地址：%s\n", o->address);
	buf_printf(b, "电话：%s\n", o->phone);
	buf_printf(b, "办公时间：工作日 %s\n", o->hours);
	buf_puts(b, "\n（单位公章）\n");
	buf_printf(b, "打印日期：%s\n", today);
}
