/* eport-web: the public status page, a CGI program (RFC 3875) for lighttpd.
 * Reads only the public snapshot in EPORT_PUBLIC (the store's web.public,
 * which the writing commands publish: lib/public.c), never the store:
 *   GET /                       the form
 *   GET /?q=USCC|ORGCODE        the enterprise's cases and their statuses
 *   GET /notice/CASE.pdf?q=USCC the collection notice of a case at 领卡, a
 *                               PDF drawn by eport-status -R beside this
 *                               program (so that this one links no cairo)
 *   GET /eport.css              the page's style sheet
 * HEAD as GET without the body.  A bad query or path is refused with 400, a
 * method other than GET and HEAD with 405; the request never names a file.
 * It has no code that opens the store (and links neither LMDB nor libgit2):
 * eport-fsck -r publishes a whole store. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "each.h"

#define QUERY_MAX 256
#define SNAPSHOT_MAX (8u << 20)
#define PUBLIC_DEFAULT "/var/lib/eport/public"

static const char *pub;		/* the snapshot's directory */
static int head_only;
static json_t *office;

static const char css[] =
    "body{font-family:\"Noto Sans CJK SC\",\"Noto Sans SC\",sans-serif;margin:0 auto;"
    "max-width:60em;padding:0 1em;line-height:1.6;color:#111;background:#fff}\n"
    "header{border-bottom:2px solid #036;margin-bottom:1em}\n"
    "h1{font-size:1.4em;margin:.6em 0 0}h2{font-size:1.15em}\n"
    "label{display:block;font-weight:bold}\n"
    "input{font-size:1.1em;padding:.3em;width:20em;max-width:100%}\n"
    "button{font-size:1.1em;padding:.3em 1em}\n"
    "table{border-collapse:collapse;width:100%}\n"
    "th,td{border:1px solid #999;padding:.3em .5em;text-align:left;vertical-align:top}\n"
    "th{background:#e8eef4}\n"
    "th,td:nth-child(-n+4){white-space:nowrap}\n"
    ".error{border:2px solid #a00;padding:.5em;color:#700}\n"
    "footer{border-top:1px solid #999;margin-top:2em;font-size:.9em}\n"
    "@media print{form,.noprint{display:none}a{color:#000;text-decoration:none}"
    "body{max-width:none}}\n";

static const char usage_text[] =
    N_("usage: eport-web (a CGI program, run by the web server: see eport-web(1))\n");

/* --- the response ---------------------------------------------------- */

static const char *
reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	default: return "Service Unavailable";
	}
}

static void
reply(int code, const char *type, const struct buf *body, const char *extra)
{
	size_t len = body && body->s ? body->len : 0;

	printf("Status: %d %s\r\n", code, reason(code));
	printf("Content-Type: %s\r\n", type);
	printf("Content-Length: %zu\r\n", len);
	printf("Content-Security-Policy: default-src 'none'; style-src 'self'; "
	    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'\r\n");
	printf("X-Content-Type-Options: nosniff\r\n");
	printf("X-Frame-Options: DENY\r\n");
	printf("Referrer-Policy: no-referrer\r\n");
	printf("Cache-Control: no-store\r\n");
	if (extra)
		printf("%s\r\n", extra);
	printf("\r\n");
	if (len && !head_only)
		fwrite(body->s, 1, len, stdout);
}

/* text for HTML, escaped */
static void
esc(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default: buf_add(b, s, 1);
		}
	}
}

static void
page_top(struct buf *b, const char *q)
{
	const char *name = jstr(office, "name");

	buf_puts(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	buf_puts(b, "电子口岸卡业务办理进度查询");
	if (*name) {
		buf_puts(b, " - ");
		esc(b, name);
	}
	buf_puts(b, "</title>\n<link rel=\"stylesheet\" href=\"/eport.css\">\n</head>\n<body>\n"
	    "<header>\n<h1>");
	esc(b, *name ? name : "电子口岸卡业务");
	buf_puts(b, "</h1>\n<p>电子口岸卡业务办理进度查询</p>\n</header>\n<main>\n"
	    "<form method=\"get\" action=\"/\" role=\"search\">\n"
	    "<label for=\"q\">统一社会信用代码（18位）或组织机构代码（9位）</label>\n"
	    "<input id=\"q\" name=\"q\" type=\"text\" maxlength=\"20\" required "
	    "autocomplete=\"off\" spellcheck=\"false\" value=\"");
	esc(b, q ? q : "");
	buf_puts(b, "\">\n<button type=\"submit\">查询</button>\n</form>\n");
}

static void
page_end(struct buf *b)
{
	buf_puts(b, "<p>申请状态为“领卡”后，请打印《领卡通知书》，加盖单位公章，由经办人持本人身份证件"
	    "到服务大厅一号柜台领卡。</p>\n</main>\n<footer>\n<address>\n");
	if (*jstr(office, "name")) {
		esc(b, jstr(office, "name"));
		buf_puts(b, "<br>\n");
	}
	if (*jstr(office, "address")) {
		buf_puts(b, "地址：");
		esc(b, jstr(office, "address"));
		buf_puts(b, "<br>\n");
	}
	if (*jstr(office, "phone")) {
		buf_puts(b, "电话：");
		esc(b, jstr(office, "phone"));
		buf_puts(b, "<br>\n");
	}
	if (*jstr(office, "hours")) {
		buf_puts(b, "办公时间：工作日 ");
		esc(b, jstr(office, "hours"));
		buf_puts(b, "\n");
	}
	buf_puts(b, "</address>\n</footer>\n</body>\n</html>\n");
}

/* A page with the form and a short message: a refusal, or nothing found. */
static void
fail(int code, const char *msg, const char *extra)
{
	struct buf b = { 0 };

	page_top(&b, NULL);
	buf_puts(&b, "<p class=\"error\" role=\"alert\">");
	esc(&b, msg);
	buf_puts(&b, "</p>\n");
	page_end(&b);
	reply(code, "text/html; charset=utf-8", &b, extra);
	buf_free(&b);
}

/* --- the request ----------------------------------------------------- */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The query: only q, once.  0, or a message. */
static const char *
parse_query(const char *qs, char *q, size_t qlen, int *have)
{
	const char *p = qs, *amp, *eq;
	size_t n;

	*have = 0;
	if (strlen(qs) > QUERY_MAX)
		return "查询条件过长";
	for (; *p; p = *amp ? amp + 1 : amp) {
		if (!(amp = strchr(p, '&')))
			amp = p + strlen(p);
		if (amp == p)
			continue;
		eq = memchr(p, '=', amp - p);
		if (!eq || eq - p != 1 || *p != 'q')
			return "不支持的查询参数";
		if ((*have)++)
			return "查询参数重复";
		for (n = 0, eq++; eq < amp; eq++) {
			int c = (unsigned char)*eq;

			if (c == '+') {
				c = ' ';
			} else if (c == '%') {
				if (amp - eq < 3 || hexval(eq[1]) < 0 || hexval(eq[2]) < 0)
					return "查询条件含有无效字符";
				c = hexval(eq[1]) * 16 + hexval(eq[2]);
				eq += 2;
			}
			if (n + 1 >= qlen)
				return "查询条件过长";
			q[n++] = c;
		}
		q[n] = '\0';
	}
	return NULL;
}

/* The code asked for, as eport-status takes it: spaces around trimmed, upper
 * case, an organisation code's hyphen (MA2Y0K3P-X) dropped; then a USCC with
 * its check character or an organisation code with its own.  0, or why not. */
static const char *
parse_code(const char *in, char *out)
{
	const char *why, *end;
	size_t n = 0;

	while (*in == ' ')
		in++;
	for (end = in + strlen(in); end > in && end[-1] == ' '; end--)
		;
	if (end == in)
		return "请输入统一社会信用代码或组织机构代码";
	for (; in < end; in++) {
		int c = (unsigned char)*in;

		if (c == '-' && n == 8)
			continue;
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
			return "查询条件含有无效字符：只能是字母和数字";
		if (n >= 18)
			return "查询条件过长：统一社会信用代码为18位，组织机构代码为9位";
		out[n++] = c >= 'a' ? c - 'a' + 'A' : c;
	}
	out[n] = '\0';
	if (n == 9)
		return orgcode_valid(out) ? NULL : "组织机构代码的校验码不正确，请核对";
	if (n != 18)
		return "统一社会信用代码为18位，组织机构代码为9位";
	switch (uscc_check(out, &why)) {
	case ID_OK:
		return NULL;
	case ID_LEGACY:		/* the pre-2016 Fujian codes (DESIGN.md, uscc-legacy) */
		if (!strncmp(out + 2, "35", 2))
			return NULL;
		/* FALLTHROUGH */
	default:
		return strstr(why, "alphabet") ? "统一社会信用代码含有无效字符（不使用I、O、S、V、Z）" :
		    strstr(why, "division") ? "统一社会信用代码的行政区划码不正确" :
		    "统一社会信用代码的校验码不正确，请核对";
	}
}

/* The path: /, /eport.css, /notice/CASE.pdf; only these characters, no
 * segment that starts with a dot, no empty one.  0, or why not. */
static const char *
check_path(const char *path, const char *uri)
{
	const char *p;

	/* what the server decoded: the raw request must not hide a dot, a
	 * slash, a backslash or a NUL behind %-escapes */
	for (p = uri; *p && *p != '?'; p++)
		if (*p == '%' && p[1] && p[2]) {
			int c = hexval(p[1]) * 16 + hexval(p[2]);

			if (c == '.' || c == '/' || c == '\\' || c <= 0)
				return "请求的路径无效";
		}
	for (p = path; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= 'a' && *p <= 'z') || *p == '/' || *p == '-' || *p == '.' || *p == '_'))
			return "请求的路径含有无效字符";
	if (strstr(path, "//") || strstr(path, "/."))
		return "请求的路径无效";
	return NULL;
}

/* --- the snapshot ---------------------------------------------------- */

/* A file of the snapshot, by a name made of checked characters only:
 * 1 read, 0 absent, -1 unreadable (said in the server's log). */
static int
snap_read(const char *rel, struct buf *b)
{
	char *path = xasprintf("%s/%s", pub, rel);
	int rc = 1;

	if (read_file(path, b, SNAPSHOT_MAX) < 0) {
		rc = errno == ENOENT ? 0 : -1;
		if (rc < 0)
			warnx("cannot read '%s': %s", path, strerror(errno));
	}
	free(path);
	return rc;
}

static json_t *
snap_json(const char *rel, int *rc)
{
	struct buf b = { 0 };
	json_t *j = NULL;

	if ((*rc = snap_read(rel, &b)) > 0 && !(j = json_loadb(b.s, b.len, 0, NULL))) {
		warnx("'%s/%s': not JSON", pub, rel);
		*rc = -1;
	}
	buf_free(&b);
	return j;
}

static json_t *
enterprise(const char *uscc, int *rc)
{
	char *rel = xasprintf("e/%s.json", uscc);
	json_t *j = snap_json(rel, rc);

	free(rel);
	return j;
}

/* The enterprises of a code: one for a USCC, those of o/ORGCODE for an
 * organisation code.  An array; *rc -1 when the snapshot cannot be read. */
static json_t *
enterprises(const char *code, int *rc)
{
	json_t *all = json_array(), *e;
	struct buf b = { 0 };
	char *rel, *p, *nl;

	*rc = 0;
	if (strlen(code) == 18) {
		if ((e = enterprise(code, rc)))
			json_array_append_new(all, e);
		return all;
	}
	rel = xasprintf("o/%s", code);
	*rc = snap_read(rel, &b);
	free(rel);
	if (*rc <= 0)
		return all;
	buf_add(&b, "", 1);
	for (p = b.s; *p; p = nl + 1) {
		if (!(nl = strchr(p, '\n')))
			break;
		*nl = '\0';
		if (strlen(p) == 18 && strspn(p, "0123456789ABCDEFGHJKLMNPQRTUWXY") == 18 &&
		    (e = enterprise(p, rc)))
			json_array_append_new(all, e);
		if (*rc < 0)
			break;
	}
	buf_free(&b);
	return all;
}

/* --- the pages ------------------------------------------------------- */

static void
show_enterprise(struct buf *b, const json_t *e)
{
	const json_t *cases = json_object_get(e, "cases"), *c;
	size_t i;

	buf_puts(b, "<section>\n<h2>");
	esc(b, jstr(e, "name"));
	buf_puts(b, "（统一社会信用代码 ");
	esc(b, jstr(e, "uscc"));
	buf_puts(b, "）</h2>\n<table>\n<caption>业务办理进度</caption>\n<thead><tr>"
	    "<th scope=\"col\">业务编号</th><th scope=\"col\">业务类型</th>"
	    "<th scope=\"col\">受理日期</th><th scope=\"col\">办理状态</th>"
	    "<th scope=\"col\">说明</th></tr></thead>\n<tbody>\n");
	json_array_foreach(cases, i, c) {
		buf_puts(b, "<tr><td>");
		esc(b, jstr(c, "id"));
		buf_puts(b, "</td><td>");
		esc(b, jstr(c, "type_name"));
		buf_puts(b, "</td><td>");
		buf_printf(b, "%.10s", jstr(c, "taken"));
		buf_puts(b, "</td><td class=\"status\">");
		esc(b, jstr(c, "status"));
		buf_puts(b, "</td><td>");
		esc(b, jstr(c, "detail"));
		if (json_array_size(json_object_get(c, "notice"))) {
			if (*jstr(c, "detail"))
				buf_puts(b, "<br>");
			buf_puts(b, "<a href=\"/notice/");
			esc(b, jstr(c, "id"));
			buf_puts(b, ".pdf?q=");
			esc(b, jstr(e, "uscc"));
			buf_puts(b, "\">打印领卡通知书</a>");
		}
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</tbody>\n</table>\n");
	if (json_integer_value(json_object_get(e, "total")) > (json_int_t)json_array_size(cases))
		buf_printf(b, "<p>共%lld件业务，仅显示最近%zu件；其余请致电查询。</p>\n",
		    (long long)json_integer_value(json_object_get(e, "total")), json_array_size(cases));
	buf_puts(b, "</section>\n");
}

static void
query(const char *code)
{
	struct buf b = { 0 };
	json_t *all, *e;
	size_t i;
	int rc;

	all = enterprises(code, &rc);
	if (rc < 0) {
		fail(503, "暂时无法查询，请稍后再试", NULL);
	} else if (!json_array_size(all)) {
		fail(404, "未查询到该企业的业务。如已邮寄申请材料，请在寄出两个工作日后再查询。", NULL);
	} else {
		page_top(&b, code);
		json_array_foreach(all, i, e)
			show_enterprise(&b, e);
		page_end(&b);
		reply(200, "text/html; charset=utf-8", &b, NULL);
	}
	json_decref(all);
	buf_free(&b);
}

/* The PDF of the notice's lines: eport-status -R, the program beside this
 * one, run without a shell, the lines on its stdin and the page read back
 * from its stdout.  0, or -1. */
static int
render_pdf(const char *id, const json_t *lines, struct buf *pdf)
{
	char exe[PATH_MAX], *slash, *text, chunk[65536];
	ssize_t n;
	int in[2], out[2], status;
	pid_t pid;

	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 20)) <= 0)
		return -1;
	exe[n] = '\0';
	if (!(slash = strrchr(exe, '/')))
		return -1;
	strcpy(slash + 1, "eport-status");
	if (pipe(in) < 0)
		return -1;
	if (pipe(out) < 0) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	if ((pid = fork()) < 0) {
		close(in[0]), close(in[1]), close(out[0]), close(out[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]), close(in[1]), close(out[0]), close(out[1]);
		execl(exe, "eport-status", "-R", id, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	signal(SIGPIPE, SIG_IGN);
	text = json_dumps(lines, JSON_COMPACT);
	for (size_t off = 0, len = strlen(text); off < len; off += n)
		if ((n = write(in[1], text + off, len - off)) <= 0)
			break;
	free(text);
	close(in[1]);
	while ((n = read(out[0], chunk, sizeof chunk)) > 0)
		buf_add(pdf, chunk, n);
	close(out[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 && pdf->len > 4 &&
	    !memcmp(pdf->s, "%PDF", 4) ? 0 : -1;
}

static void
notice(const char *id, const char *code)
{
	struct buf b = { 0 };
	json_t *e, *c = NULL, *cases, *lines;
	char today[11];
	size_t i;
	int rc;

	if (strlen(code) != 18) {
		fail(400, "打印领卡通知书须输入本企业的统一社会信用代码", NULL);
		return;
	}
	e = enterprise(code, &rc);
	if (rc < 0) {
		fail(503, "暂时无法查询，请稍后再试", NULL);
		return;
	}
	cases = json_object_get(e, "cases");
	json_array_foreach(cases, i, c)
		if (!strcmp(jstr(c, "id"), id))
			break;
	if (i == json_array_size(cases)) {
		fail(404, "未查询到该企业的这件业务", NULL);
	} else if (!json_array_size(json_object_get(c, "notice"))) {
		fail(404, "该业务尚未到“领卡”状态，暂无领卡通知书", NULL);
	} else {
		lines = json_deep_copy(json_object_get(c, "notice"));
		fmt_date(eport_now(), today);
		notice_dated(lines, today);
		if (render_pdf(id, lines, &b) < 0)
			fail(503, "暂时无法生成领卡通知书，请稍后再试", NULL);
		else
			reply(200, "application/pdf", &b, "Content-Disposition: inline; filename=\"notice.pdf\"");
		json_decref(lines);
	}
	json_decref(e);
	buf_free(&b);
}

static int
cgi(void)
{
	const char *method = getenv("REQUEST_METHOD"), *path = getenv("PATH_INFO");
	const char *uri = getenv("REQUEST_URI"), *qs = getenv("QUERY_STRING"), *why;
	char q[QUERY_MAX + 1], code[19], id[40];
	struct buf b = { 0 };
	size_t n;
	int have, rc;

	pub = getenv("EPORT_PUBLIC");
	if (!pub || !*pub)
		pub = PUBLIC_DEFAULT;
	if (!(office = snap_json("office.json", &rc)))
		office = json_object();
	if (!method || (strcmp(method, "GET") && strcmp(method, "HEAD"))) {
		fail(405, "只支持GET和HEAD请求", "Allow: GET, HEAD");
		goto out;
	}
	head_only = !strcmp(method, "HEAD");
	if (!path || !*path)
		path = "/";
	if ((why = check_path(path, uri ? uri : ""))) {
		fail(400, why, NULL);
		goto out;
	}
	if ((why = parse_query(qs ? qs : "", q, sizeof q, &have))) {
		fail(400, why, NULL);
		goto out;
	}
	if (!strcmp(path, "/eport.css")) {
		if (have) {
			fail(400, "不支持的查询参数", NULL);
			goto out;
		}
		buf_puts(&b, css);
		reply(200, "text/css; charset=utf-8", &b, NULL);
		goto out;
	}
	n = strlen(path);
	if (!strncmp(path, "/notice/", 8) && n > 12 && n - 12 < sizeof id &&
	    !strcmp(path + n - 4, ".pdf")) {
		snprintf(id, sizeof id, "%.*s", (int)(n - 12), path + 8);
		if (strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != strlen(id))
			fail(404, "没有这个页面", NULL);
		else if (!have)
			fail(400, "打印领卡通知书须输入本企业的统一社会信用代码", NULL);
		else if ((why = parse_code(q, code)))
			fail(400, why, NULL);
		else
			notice(id, code);
		goto out;
	}
	if (strcmp(path, "/")) {
		fail(404, "没有这个页面", NULL);
		goto out;
	}
	if (!have) {
		page_top(&b, NULL);
		page_end(&b);
		reply(200, "text/html; charset=utf-8", &b, NULL);
	} else if ((why = parse_code(q, code))) {
		fail(400, why, NULL);
	} else {
		query(code);
	}
out:
	buf_free(&b);
	json_decref(office);
	if (fflush(stdout) == EOF || ferror(stdout))
		return 2;
	return 0;
}

int
main(int argc, char *argv[])
{
	/* a CGI request: its arguments (RFC 3875 4.4) are never read */
	if (getenv("GATEWAY_INTERFACE")) {
		eport_init(argv[0], usage_text);
		return cgi();
	}
	eport_start(argc, argv, usage_text);
	eport_usage(2);
}
