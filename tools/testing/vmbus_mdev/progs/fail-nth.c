// SPDX-License-Identifier: GPL-2.0
/*
 * fail-nth: sweep the kernel's fault injection over one operation.
 *
 *   fail-nth [-n NAME] [-e ERRNO,...] [-s FILE=VALUE]... [-u FILE=VALUE]...
 *            [-x PATH]... [-X PATH]... [-l LINK=NAME]... [-f FILE=TEXT]...
 *            [-p MIN] [-m MAX] FILE VALUE
 *   fail-nth ... -k MODULE.ko
 *
 * The operation is one write(2) of VALUE to FILE (opened beforehand), or
 * with -k the load of a module (finit_module(2)). For N = 1, 2, ... it
 * arms /proc/thread-self/fail-nth with N just before the operation, so
 * that the N-th fault point of this thread inside it fails (a slab or
 * page allocation, or a user copy, whichever failslab, fail_page_alloc
 * and fail_usercopy let through), and reads back whether the fault was
 * injected. The sweep ends at the first N the operation completes
 * without reaching three times in a row (it has N - 1 fault points; the
 * count of a path can vary by a few, with the state of caches and pools
 * that other tasks share, so one short run does not end it), or fails at
 * MAX. It fails too if the path has fewer than MIN fault points: every
 * write has two of the kernel's (kernfs's buffer and its copy) before
 * any of ours, so "at least one" would prove nothing.
 *
 * Around each attempt: the -s writes first (setup, each must succeed);
 * after it, if the operation failed, its errno must be one of -e
 * (default ENOMEM,EFAULT) and the same operation, repeated without a
 * fault, must now succeed; once it has succeeded (either way) the result
 * must be whole (a success despite a fault is only right when nothing is
 * missing): each -x PATH exists, each -X PATH does not, each -l LINK is a
 * symlink to something named NAME, each -f FILE reads TEXT (its first
 * line); then the -u writes (undo) must succeed; with -k the module is
 * unloaded. The checks are made here, not by programs started for them,
 * which would cost more than the operation under emulation. Any other
 * outcome is printed and counted. The last line is
 *   fail-nth: NAME: P fault points, F failed (ERRNO n, ...), S succeeded, B bad
 * and the exit status is 0 only when P >= MIN (default 1) and B = 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fail-nth.h"

#define MAX_WRITES 8

struct kv {
	const char *file;
	const char *value;
};

static struct kv setup[MAX_WRITES], undo[MAX_WRITES];
static struct kv exists[MAX_WRITES], absent[MAX_WRITES], links[MAX_WRITES];
static struct kv reads[MAX_WRITES];
static int nsetup, nundo, nexists, nabsent, nlinks, nreads;
static const char *allowed = "ENOMEM,EFAULT";
static const char *module, *name, *file, *value;
static long bad;

static long counts[FN_NERRNOS + 1];

static void count_errno(int e)
{
	size_t i;

	for (i = 0; i < FN_NERRNOS; i++)
		if (errnos[i].e == e)
			break;
	counts[i]++;
}

static int errno_allowed(int e)
{
	const char *n = errno_name(e), *p = allowed;
	size_t len = strlen(n);

	while ((p = strstr(p, n))) {
		if ((p == allowed || p[-1] == ',') && (p[len] == ',' || !p[len]))
			return 1;
		p += len;
	}
	return 0;
}

static int write_file(const char *f, const char *v)
{
	ssize_t len = strlen(v), n;
	int fd = open(f, O_WRONLY);

	if (fd < 0)
		return -errno;
	n = write(fd, v, len);
	if (n != len) {
		n = errno;
		close(fd);
		return -n;
	}
	return close(fd) ? -errno : 0;
}

/* The operation, with fault N armed when nth > 0; 0 or -errno. */
static int operation(unsigned int nth, int *injected)
{
	ssize_t len = strlen(value ? value : ""), n;
	int fd, ret;

	fd = open(module ? module : file, module ? O_RDONLY : O_WRONLY);
	if (fd < 0)
		return -errno;
	if (nth)
		fn_arm(nth);
	if (module)
		n = syscall(SYS_finit_module, fd, "", 0);
	else
		n = write(fd, value, len);
	ret = n < 0 ? -errno : 0;
	*injected = nth ? fn_disarm() : 0;
	if (!module && !ret && n != len)
		ret = -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

static int module_name(char *buf, size_t size)
{
	const char *b = strrchr(module, '/');
	size_t len;

	b = b ? b + 1 : module;
	len = strcspn(b, ".");
	if (len >= size)
		return -1;
	memcpy(buf, b, len);
	buf[len] = 0;
	return 0;
}

/* The -x, -X, -l and -f checks: NULL, or what is wrong. */
static const char *whole(void)
{
	static char buf[PATH_MAX + 64];
	char got[PATH_MAX];
	const char *b;
	ssize_t n;
	FILE *f;
	int i;

	for (i = 0; i < nexists; i++)
		if (access(exists[i].file, F_OK))
			return exists[i].file;
	for (i = 0; i < nabsent; i++)
		if (!access(absent[i].file, F_OK))
			return absent[i].file;
	for (i = 0; i < nlinks; i++) {
		n = readlink(links[i].file, got, sizeof(got) - 1);
		if (n < 0)
			return links[i].file;
		got[n] = 0;
		b = strrchr(got, '/');
		if (strcmp(b ? b + 1 : got, links[i].value))
			return links[i].file;
	}
	for (i = 0; i < nreads; i++) {
		f = fopen(reads[i].file, "r");
		if (!f)
			return reads[i].file;
		if (!fgets(got, sizeof(got), f))
			got[0] = 0;
		fclose(f);
		got[strcspn(got, "\n")] = 0;
		if (strcmp(got, reads[i].value)) {
			snprintf(buf, sizeof(buf), "%s reads '%s'", reads[i].file, got);
			return buf;
		}
	}
	return NULL;
}

static void complain(unsigned int nth, const char *what, int err)
{
	fprintf(stderr, "fail-nth: %s: fault %u: %s%s%s\n", name, nth, what,
		err ? ": " : "", err ? strerror(-err) : "");
	bad++;
}

/* After a success: the result must be whole, then undone. */
static void after_success(unsigned int nth)
{
	const char *wrong = whole();
	char mod[64];
	int i, ret;

	if (wrong) {
		fprintf(stderr, "fail-nth: %s: fault %u: a success, but not whole: %s\n",
			name, nth, wrong);
		bad++;
	}
	for (i = 0; i < nundo; i++) {
		ret = write_file(undo[i].file, undo[i].value);
		if (ret)
			complain(nth, undo[i].file, ret);
	}
	if (module) {
		if (module_name(mod, sizeof(mod)) ||
		    syscall(SYS_delete_module, mod, O_NONBLOCK))
			complain(nth, "unloading the module", -errno);
	}
}

static void parse_kv(struct kv *kv, int *n, char *arg)
{
	char *eq = strchr(arg, '=');

	if (kv == exists || kv == absent) {
		if (*n == MAX_WRITES)
			exit(2);
		kv[(*n)++].file = arg;
		return;
	}

	if (!eq || *n == MAX_WRITES) {
		fprintf(stderr, "fail-nth: bad FILE=VALUE '%s'\n", arg);
		exit(2);
	}
	*eq = 0;
	kv[*n].file = arg;
	kv[*n].value = eq + 1;
	(*n)++;
}

int main(int argc, char **argv)
{
	unsigned int nth, max = 2000, min = 1, short_runs = 0;
	long failed = 0, succeeded = 0;
	int opt, i, ret, injected;
	size_t k;

	while ((opt = getopt(argc, argv, "n:e:s:u:x:X:l:f:p:m:k:")) != -1) {
		switch (opt) {
		case 'n':
			name = optarg;
			break;
		case 'e':
			allowed = optarg;
			break;
		case 's':
			parse_kv(setup, &nsetup, optarg);
			break;
		case 'u':
			parse_kv(undo, &nundo, optarg);
			break;
		case 'x':
			parse_kv(exists, &nexists, optarg);
			break;
		case 'X':
			parse_kv(absent, &nabsent, optarg);
			break;
		case 'l':
			parse_kv(links, &nlinks, optarg);
			break;
		case 'f':
			parse_kv(reads, &nreads, optarg);
			break;
		case 'm':
			max = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			min = strtoul(optarg, NULL, 0);
			break;
		case 'k':
			module = optarg;
			break;
		default: return 2;
		}
	}
	if (!module) {
		if (argc - optind != 2) {
			fprintf(stderr, "usage: see the comment in fail-nth.c\n");
			return 2;
		}
		file = argv[optind];
		value = argv[optind + 1];
	}
	if (!name)
		name = module ? module : file;
	fn_open();

	for (nth = 1; nth <= max; nth++) {
		for (i = 0; i < nsetup; i++) {
			ret = write_file(setup[i].file, setup[i].value);
			if (ret) {
				complain(nth, setup[i].file, ret);
				goto out;
			}
		}
		ret = operation(nth, &injected);
		if (!injected) {
			if (ret)
				complain(nth, "failed with no fault injected", ret);
			else
				after_success(nth);
			/* Done (nth - 1 fault points) after three such runs. */
			if (ret || ++short_runs == 3)
				break;
			nth--;
			continue;
		}
		short_runs = 0;
		if (!ret) {
			succeeded++;
			after_success(nth);
			continue;
		}
		failed++;
		count_errno(-ret);
		if (!errno_allowed(-ret))
			complain(nth, "failed with an errno not allowed", ret);
		ret = operation(0, &injected);
		if (ret) {
			complain(nth, "the repeat without a fault failed", ret);
			continue;
		}
		after_success(nth);
	}
	if (nth > max)
		complain(nth, "still reaching new fault points at the limit", 0);
out:
	printf("fail-nth: %s: %u fault points, %ld failed (", name,
	       nth - 1, failed);
	for (k = 0, i = 0; k < ARRAY_SIZE(counts); k++) {
		if (!counts[k])
			continue;
		printf("%s%s %ld", i++ ? ", " : "",
		       k < FN_NERRNOS ?
		       errnos[k].name : "other", counts[k]);
	}
	printf("), %ld succeeded, %ld bad\n", succeeded, bad);
	if (nth - 1 < min) {
		fprintf(stderr, "fail-nth: %s: %u fault points, fewer than %u\n",
			name, nth - 1, min);
		return 1;
	}
	return bad ? 1 : 0;
}
