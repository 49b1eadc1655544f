/* types.c: the business types, in one table that every place reads: the
 * list of valid types (case.c), their Chinese names (decide.c), their
 * posting days (cal.c), which ones have card work and of what kind
 * (eport-card, eport-review, eport-close).  What each type needs is in
 * share/eport/rules.tsv.  The shell completions carry a copy of the names,
 * compared with this table by t/0014-types.t (test-types dumps it).
 *
 * Posting days (DESIGN.md section 7), counted in working days from the
 * effective day of acceptance (cal_effective).  The seed says
 * 审核通过三个工作日后 (onboard) and 业务受理三个工作日后 (info-change): the
 * 3rd working day after, i.e. effective day + 3 working days; and
 * 业务受理后第二个工作日后 (the rest): effective day + 2.  An acceptance on
 * Monday in hours posts on Thursday, or on Wednesday.  `reader` goes with the
 * next manifest: the effective day itself. */
#include <string.h>

#include "types.h"

const struct btype btypes[] = {
	{ "onboard", "新入网企业制卡", 3, BT_WRITE },
	{ "info-change", "企业基本信息变更", 3, BT_WRITE | BT_REWRITE },
	{ "operator-change", "变更操作员卡", 2, BT_WRITE | BT_REWRITE },
	{ "operator-add", "新增操作员卡", 2, BT_WRITE },
	{ "reissue", "补办", 2, BT_WRITE },
	{ "renew", "证书更新", 2, BT_RENEW },
	{ "unlock", "解锁", 2, BT_UNLOCK },
	{ "reader", "自购读卡器领取", 0, BT_NOCARD },
	{ "deregister", "注销", 2, BT_NOCARD | BT_NOTHING_BACK },
	{ NULL, NULL, 0, 0 },
};

const struct btype *
btype(const char *name)
{
	for (const struct btype *t = btypes; name && t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

int
btype_has(const char *name, unsigned work)
{
	const struct btype *t = btype(name);

	return t && (t->work & work);
}
