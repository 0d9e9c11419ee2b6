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
 * with -k the load of a module (finit_module(2)). fn_sweep() (fail-nth.h)
 * fails its 1st, 2nd, ... fault point in turn (a slab or page allocation,
 * or a user copy, whichever failslab, fail_page_alloc and fail_usercopy
 * let through) until it no longer reaches the armed one, or fails at MAX
 * (default 2000). It fails too if the path has fewer than MIN fault
 * points (default 1): every write has two of the kernel's (kernfs's
 * buffer and its copy) before any of ours, so "at least one" would prove
 * nothing.
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
 * and the exit status is 0 only when P >= MIN and B = 0.
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
static int op_fd = -1;
static ssize_t op_len;

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

/* The writes of @kv (the -s or -u ones), each of which must succeed. */
static int write_all(const struct kv *kv, int n, const char *what)
{
	int i, ret;

	for (i = 0; i < n; i++) {
		ret = write_file(kv[i].file, kv[i].value);
		if (ret) {
			printf("fail-nth: %s: %s: %s\n", name, what, kv[i].file);
			return ret;
		}
	}
	return 0;
}

/* The -s writes, before each attempt. */
static int setup_writes(void *ctx)
{
	return write_all(setup, nsetup, "setup");
}

/* Open FILE (or the module) before the window. */
static int op_open(void *ctx)
{
	op_fd = open(module ? module : file, module ? O_RDONLY : O_WRONLY);
	return op_fd < 0 ? -errno : 0;
}

/* The operation: the write, or the module's load. */
static int op_run(void *ctx)
{
	op_len = module ? syscall(SYS_finit_module, op_fd, "", 0) :
		 write(op_fd, value, strlen(value));
	return op_len < 0 ? -errno : 0;
}

/* After the window: a short write is a failure too; close. */
static int op_close(void *ctx, int ret)
{
	if (!module && !ret && op_len != (ssize_t)strlen(value))
		ret = -EIO;
	if (close(op_fd) && !ret)
		ret = -errno;
	op_fd = -1;
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
static const char *whole(void *ctx)
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

/* The -u writes, and the module's unload. */
static int undo_all(void *ctx)
{
	char mod[64];
	int ret = write_all(undo, nundo, "undo");

	if (ret)
		return ret;
	if (module && (module_name(mod, sizeof(mod)) ||
		       syscall(SYS_delete_module, mod, O_NONBLOCK)))
		return -errno;
	return 0;
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
	struct fn_use use = {
		.setup = setup_writes, .enter = op_open, .op = op_run,
		.leave = op_close, .whole = whole, .undo = undo_all, .min = 1,
		.max = 2000,
	};
	struct fn_result r;
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
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
			use.max = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			use.min = strtoul(optarg, NULL, 0);
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
	use.name = name ? name : module ? module : file;
	name = use.name;
	use.allowed = allowed;
	fn_open();
	return fn_sweep(&use, NULL, &r);
}
