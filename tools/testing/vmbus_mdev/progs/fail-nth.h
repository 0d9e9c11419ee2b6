/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's per-task fault injection (/proc/thread-self/fail-nth,
 * Documentation/fault-injection/fault-injection.rst), for the sweeps of
 * fail-nth.c and vfio-client.c: fn_arm(N) makes the N-th fault point of
 * this thread fail, fn_disarm() stops it and says whether it was reached.
 * Single-threaded callers only (one fd, opened by fn_open()).
 */
#ifndef FAIL_NTH_H
#define FAIL_NTH_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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

#endif /* FAIL_NTH_H */
