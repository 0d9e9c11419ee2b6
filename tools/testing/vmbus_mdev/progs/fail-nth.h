/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's per-task fault injection (/proc/thread-self/fail-nth,
 * Documentation/fault-injection/fault-injection.rst), for the sweeps of
 * fail-nth.c, vfio-client.c and azblob-faults.c: fn_arm(N) makes the N-th
 * fault point of this thread fail, fn_disarm() stops it and says whether
 * it was reached, and fn_sweep() fails each fault point of one operation
 * in turn. Single-threaded callers only (one fd, opened by fn_open()).
 */
#ifndef FAIL_NTH_H
#define FAIL_NTH_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fn_errno {
	int e;
	const char *name;
};

static const struct fn_errno errnos[] = {
	{ ENOMEM, "ENOMEM" }, { EFAULT, "EFAULT" }, { ENOSPC, "ENOSPC" },
	{ EAGAIN, "EAGAIN" }, { EBUSY, "EBUSY" }, { ENODEV, "ENODEV" },
	{ EINVAL, "EINVAL" }, { EEXIST, "EEXIST" }, { EIO, "EIO" },
	{ ENOENT, "ENOENT" }, { EINTR, "EINTR" },
};

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#define FN_NERRNOS ARRAY_SIZE(errnos)

static inline const char *errno_name(int e)
{
	size_t i;

	for (i = 0; i < FN_NERRNOS; i++)
		if (errnos[i].e == e)
			return errnos[i].name;
	return "other";
}

static int fail_fd = -1;

static inline void fn_open(void)
{
	fail_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (fail_fd < 0) {
		perror("fail-nth: /proc/thread-self/fail-nth");
		exit(2);
	}
}

static inline void fn_arm(unsigned int nth)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", nth);

	if (pwrite(fail_fd, buf, len, 0) != len) {
		perror("fail-nth: arming /proc/thread-self/fail-nth");
		exit(2);
	}
}

/*
 * Disarm; return whether the armed fault was injected. Reading and
 * writing fail-nth copy to and from user space, and each copy is a fault
 * point of fail_usercopy too: a read that fails with EFAULT took the
 * last armed point itself (so the operation did not), and a write of 0
 * that fails with EFAULT took it too; either way nothing stays armed.
 */
static inline int fn_disarm(void)
{
	char buf[16] = "";

	if (pread(fail_fd, buf, sizeof(buf) - 1, 0) < 0) {
		if (errno == EFAULT)
			return 0;
		perror("fail-nth: reading /proc/thread-self/fail-nth");
		exit(2);
	}
	if (atoi(buf) == 0)
		return 1;
	if (pwrite(fail_fd, "0", 1, 0) != 1 && errno != EFAULT) {
		perror("fail-nth: disarming /proc/thread-self/fail-nth");
		exit(2);
	}
	return 0;
}

/*
 * One operation to sweep. Only @op runs with a fault armed. @setup runs
 * before each attempt, @enter before each call of @op (the attempt, and
 * its repeat after a failure) and @leave after it, with @op's result,
 * returning the operation's: all outside the window, and each NULL when
 * there is nothing to do. A failure's errno must be one of @allowed
 * (names, comma-separated; NULL means "ENOMEM,EFAULT", what a failed
 * allocation or user copy is). After a success (with or without a
 * fault), @whole says what is missing from the result, or NULL when
 * nothing is, and @undo undoes it. Hooks return 0 or -errno. @min is the
 * number of fault points the path must have (0: none needed), @max the
 * limit (0: 5000).
 */
struct fn_use {
	const char *name;
	int (*setup)(void *ctx);
	int (*enter)(void *ctx);
	int (*op)(void *ctx);
	int (*leave)(void *ctx, int ret);
	const char *(*whole)(void *ctx);
	int (*undo)(void *ctx);
	const char *allowed;
	unsigned int min, max;
};

/* What a sweep did: its fault points, outcomes and failures by errno. */
struct fn_result {
	unsigned int points;
	long failed, succeeded, bad;
	long counts[FN_NERRNOS + 1];
};

/* The program's name, the first word of each line fn_sweep() prints. */
static const char *fn_prog = "fail-nth";

static inline int fn_errno_allowed(const char *allowed, int e)
{
	const char *n = errno_name(e), *p = allowed ? allowed : "ENOMEM,EFAULT";
	const char *list = p;
	size_t len = strlen(n);

	while ((p = strstr(p, n))) {
		if ((p == list || p[-1] == ',') && (p[len] == ',' || !p[len]))
			return 1;
		p += len;
	}
	return 0;
}

/* A bad outcome: what, and the errno or the missing part, if any. */
static inline void fn_bad(const struct fn_use *u, struct fn_result *r,
			  unsigned int nth, const char *what, int err,
			  const char *missing)
{
	printf("%s: %s: fault %u: %s%s%s\n", fn_prog, u->name, nth, what,
	       err || missing ? ": " : "",
	       missing ? missing : err ? strerror(-err) : "");
	r->bad++;
}

/* @op in the window of fault @nth (none when 0); its result, 0 or -errno. */
static inline int fn_attempt(const struct fn_use *u, void *ctx,
			     unsigned int nth, int *injected)
{
	int ret = u->enter ? u->enter(ctx) : 0;

	*injected = 0;
	if (ret)
		return ret;
	if (nth)
		fn_arm(nth);
	ret = u->op(ctx);
	if (nth)
		*injected = fn_disarm();
	return u->leave ? u->leave(ctx, ret) : ret;
}

/* After a success: the result must be whole, then it is undone. */
static inline void fn_after_success(const struct fn_use *u, void *ctx,
				    struct fn_result *r, unsigned int nth)
{
	const char *missing = u->whole ? u->whole(ctx) : NULL;
	int ret;

	if (missing)
		fn_bad(u, r, nth, "a success, but not whole", 0, missing);
	ret = u->undo ? u->undo(ctx) : 0;
	if (ret)
		fn_bad(u, r, nth, "undoing it failed", ret, NULL);
}

/* A failure with fault @nth injected: a right errno, and a good repeat. */
static inline void fn_after_failure(const struct fn_use *u, void *ctx,
				    struct fn_result *r, unsigned int nth,
				    int ret)
{
	size_t i;
	int injected;

	r->failed++;
	for (i = 0; i < FN_NERRNOS && errnos[i].e != -ret; i++)
		;
	r->counts[i]++;
	if (!fn_errno_allowed(u->allowed, -ret))
		fn_bad(u, r, nth, "failed with an errno not allowed", ret, NULL);
	ret = fn_attempt(u, ctx, 0, &injected);
	if (ret)
		fn_bad(u, r, nth, "the repeat without a fault failed", ret, NULL);
	else
		fn_after_success(u, ctx, r, nth);
}

/*
 * Fail fault point N = 1, 2, ... of @u in turn, until @u completes without
 * reaching N three times in a row: then it has N - 1 fault points (the
 * count of a path can move by a few with caches and pools other tasks
 * share, so one short run does not end it). Stops early at the limit, at
 * a failed @setup, at a failure with no fault injected, or after 10 bad
 * outcomes. Prints the counts on one line; returns 0 when nothing was bad
 * and the path had at least @min fault points.
 */
static inline int fn_sweep(const struct fn_use *u, void *ctx,
			   struct fn_result *r)
{
	unsigned int nth, short_runs = 0, max = u->max ? u->max : 5000;
	int ret, injected;
	size_t k, i;

	memset(r, 0, sizeof(*r));
	for (nth = 1; nth <= max && r->bad <= 10; nth++) {
		ret = u->setup ? u->setup(ctx) : 0;
		if (ret) {
			fn_bad(u, r, nth, "its setup failed", ret, NULL);
			break;
		}
		ret = fn_attempt(u, ctx, nth, &injected);
		if (injected) {
			short_runs = 0;
			if (ret) {
				fn_after_failure(u, ctx, r, nth, ret);
			} else {
				r->succeeded++;
				fn_after_success(u, ctx, r, nth);
			}
			continue;
		}
		if (ret) {
			fn_bad(u, r, nth, "failed with no fault injected", ret, NULL);
			break;
		}
		fn_after_success(u, ctx, r, nth);
		if (++short_runs == 3)
			break;
		nth--;
	}
	if (nth > max && r->bad <= 10)
		fn_bad(u, r, nth, "still reaching new fault points at the limit",
		       0, NULL);
	r->points = nth - 1;
	printf("%s: %s: %u fault points, %ld failed (", fn_prog, u->name,
	       r->points, r->failed);
	for (k = 0, i = 0; k < FN_NERRNOS + 1; k++)
		if (r->counts[k])
			printf("%s%s %ld", i++ ? ", " : "",
			       k < FN_NERRNOS ? errnos[k].name : "other",
			       r->counts[k]);
	printf("), %ld succeeded, %ld bad\n", r->succeeded, r->bad);
	if (r->points < u->min)
		printf("%s: %s: %u fault points, fewer than %u\n", fn_prog,
		       u->name, r->points, u->min);
	return r->bad || r->points < u->min;
}

#endif /* FAIL_NTH_H */
