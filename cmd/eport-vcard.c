/* eport-vcard: a PIV card in a file, for tests and demos.  It connects to
 * vsmartcard's vpcd driver inside pcscd and answers what the reader sends:
 * each message is a 2-byte big-endian length, then an APDU or a one-byte
 * control (0 power off, 1 power on, 2 reset, 4 get ATR).  It reads and writes
 * the card's state in STATEFILE, after every change.  With -i it takes APDUs in
 * hex from stdin instead, one a line, and writes the responses to stdout. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base.h"
#include "cli.h"
#include "vcard.h"

#define RETRY_SECONDS 30	/* how long to wait for vpcd, at start and after a loss */

static const char *host = "127.0.0.1";
static const char *port = "35963";
static int verbose, stdio;
static volatile sig_atomic_t stop;
/* SIGTERM and SIGINT are blocked but while the emulator waits (ppoll with
 * this mask), so one that comes while an APDU is served is not lost
 * between the test of stop and the next blocking read */
static sigset_t waitmask;

static const char usage_text[] = N_("usage: eport-vcard [-iv] [-H host] [-p port] statefile\n");

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
nap(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };

	ppoll(NULL, 0, &ts, &waitmask);
}

static int
try_connect(char *why, size_t len)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *ai;
	int fd = -1, rc;

	if ((rc = getaddrinfo(host, port, &hints, &res))) {
		snprintf(why, len, "%s", gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol)) < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			snprintf(why, len, "%s", strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

/* vpcd listens once pcscd has loaded the driver: wait for it a while */
static int
vpcd_connect(void)
{
	char why[256];
	int fd;

	snprintf(why, sizeof why, "%s", _("no address"));

	for (int i = 0; i < RETRY_SECONDS * 10 && !stop; i++) {
		if ((fd = try_connect(why, sizeof why)) >= 0)
			return fd;
		nap(100);
	}
	if (stop)
		exit(0);
	die("cannot connect to vpcd at %s:%s: %s", host, port, why);
}

/* 1 done, 0 the peer closed, -1 an error */
static int
read_full(int fd, unsigned char *p, size_t n)
{
	while (n) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		ssize_t r;

		if (ppoll(&pfd, 1, NULL, &waitmask) < 0) {
			if (errno == EINTR && !stop)
				continue;
			return -1;
		}
		r = read(fd, p, n);
		if (r < 0 && errno == EINTR && !stop)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		p += r;
		n -= r;
	}
	return 1;
}

static int
send_msg(int fd, const unsigned char *p, size_t n)
{
	unsigned char m[2 + 65538];

	m[0] = n >> 8;
	m[1] = n;
	memcpy(m + 2, p, n);
	for (size_t off = 0; off < n + 2; ) {
		ssize_t w = send(fd, m + off, n + 2 - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR && !stop)
			continue;
		if (w < 0)
			return -1;
		off += w;
	}
	return 0;
}

static void
trace(const char *dir, const unsigned char *p, size_t n)
{
	if (!verbose)
		return;
	fprintf(stderr, "%s: %s ", argv0, dir);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%02X", p[i]);
	fputc('\n', stderr);
}

/* hex APDUs in, hex responses out; a bad line gets "?" */
static void
serve_stdio(struct vcard *vc, const char *path)
{
	static unsigned char in[65536], out[65538];
	char *line = NULL, err[512];
	size_t cap = 0, n, outlen;
	ssize_t len;

	while ((len = getline(&line, &cap, stdin)) > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		n = 0;
		if (strlen(line) % 2 || !OPENSSL_hexstr2buf_ex(in, sizeof in, &n, line, '\0')) {
			puts("?");
			continue;
		}
		outlen = sizeof out;
		if (vcard_apdu(vc, in, n, out, &outlen) == 1 && vcard_save(vc, path, err, sizeof err) < 0)
			die("%s", err);
		for (size_t i = 0; i < outlen; i++)
			printf("%02X", out[i]);
		putchar('\n');
		fflush(stdout);
	}
	free(line);
	if (fshut(stdout, "<stdout>"))
		exit(2);
}

/* Serve one connection: 0 when vpcd went away, -1 on an error. */
static int
serve(int fd, struct vcard *vc, const char *path)
{
	static unsigned char in[65536], out[65538];
	unsigned char hdr[2];
	char err[512];
	size_t n, outlen;
	int rc;

	for (;;) {
		if ((rc = read_full(fd, hdr, 2)) <= 0)
			return rc;
		n = hdr[0] << 8 | hdr[1];
		if ((rc = read_full(fd, in, n)) <= 0)
			return rc;
		if (n == 1) {
			const unsigned char *atr;

			switch (in[0]) {
			case 0: case 1: case 2:
				vcard_reset(vc);
				break;
			case 4:
				atr = vcard_atr(&outlen);
				if (send_msg(fd, atr, outlen) < 0)
					return -1;
				break;
			default:
				warnx("unknown vpcd control %d", in[0]);
			}
			continue;
		}
		trace(">", in, n);
		outlen = sizeof out;
		if (vcard_apdu(vc, in, n, out, &outlen) == 1 && vcard_save(vc, path, err, sizeof err) < 0)
			die("%s", err);
		trace("<", out, outlen);
		if (send_msg(fd, out, outlen) < 0)
			return -1;
	}
}

int
main(int argc, char *argv[])
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block;
	struct vcard *vc;
	char err[512];
	int c, fd;

	eport_start(argc, argv, usage_text);
	while ((c = getopt(argc, argv, "H:hip:v")) != -1) {
		switch (c) {
		case 'H': host = optarg; break;
		case 'i': stdio = 1; break;
		case 'p': port = optarg; break;
		case 'v': verbose = 1; break;
		case 'h': eport_usage(0);
		default: eport_usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		eport_usage(2);
	if (vcard_load(&vc, argv[0], err, sizeof err) < 0)
		die("%s", err);
	if (stdio) {
		serve_stdio(vc, argv[0]);
		vcard_free(vc);
		return 0;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	while (!stop) {
		fd = vpcd_connect();
		vcard_reset(vc);
		c = serve(fd, vc, argv[0]);
		close(fd);
		if (stop)
			break;
		if (c < 0)
			warnx("vpcd at %s:%s: %s; reconnecting", host, port, strerror(errno));
		else
			warnx("vpcd at %s:%s closed the connection; reconnecting", host, port);
	}
	vcard_free(vc);
	return 0;
}
