// SPDX-License-Identifier: GPL-2.0
/*
 * uevent-order CREATE UUID UNBIND: an unbind forced into a create, and the
 * order of the device's uevents that user space then hears.
 *
 * A child writes UUID to the type's CREATE file. This process listens on
 * the kernel's uevent socket as a SCHED_FIFO task on the child's CPU, so
 * that the broadcast of the device's "add" preempts the creating task at
 * its next preemption point: the rest of the create waits while this
 * process writes UUID to the driver's UNBIND file, at once. Whatever the
 * kernel's preemption model, the unbind so enters the kernel after "add"
 * and before the create's write returns (checked: the child reports its
 * return on a pipe, read just before the unbind). The unbind may then
 * wait for the create (for the device lock), or fail with ENODEV when no
 * driver is bound yet.
 *
 * What user space must then have heard, whichever way the unbind went:
 *   - "add" first;
 *   - then "bind" and "unbind" in turn, "bind" first: no "unbind" of a
 *     device never announced as bound, no second "bind";
 *   - the last of them says what sysfs shows: "bind" last if and only if
 *     the device has a driver link once the create is done.
 * A create that replayed "bind" from a stale read of the driver, without
 * the device lock, breaks the second and third rule: add, unbind, bind.
 *
 * Exit 0 when all holds, 1 when a rule is broken, 3 when the unbind was
 * not forced into the create (the create had returned first, as when this
 * process slept: try again), 2 on a usage or setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_EVENTS 16

static char events[MAX_EVENTS][16];
static int nevents;
static char devpath[512];

static void die(const char *what)
{
	fprintf(stderr, "uevent-order: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int uevent_socket(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1,		/* the kernel's uevent group */
	};
	int size = 1 << 22;
	int fd;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		die("socket");
	/* Root may pass rmem_max: no event of the device is dropped. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		die("SO_RCVBUFFORCE");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind");
	return fd;
}

/* The creating child: CPU and policy inherited (CPU 0, SCHED_OTHER). */
static void creator(const char *create, const char *uuid, int go, int done)
{
	char c;
	int fd, err = 0;

	if (read(go, &c, 1) != 1)
		_exit(2);
	fd = open(create, O_WRONLY);
	if (fd < 0 || write(fd, uuid, strlen(uuid)) < 0)
		err = errno;
	/* Written on return: the parent sees whether the create was over. */
	if (write(done, "x", 1) != 1)
		_exit(2);
	_exit(err ? 100 + err % 100 : 0);
}

/*
 * One datagram: "ACTION@DEVPATH" and then "KEY=VALUE" strings. Returns 1
 * for the first "add" of the device named UUID, keeps its actions.
 */
static int take(const char *msg, size_t len, const char *uuid)
{
	const char *at = memchr(msg, '@', len);
	const char *path, *base;
	size_t alen;

	if (!at || msg[len - 1])
		return 0;
	path = at + 1;
	base = strrchr(path, '/');
	if (!base || strcmp(base + 1, uuid))
		return 0;
	alen = at - msg;
	if (alen >= sizeof(events[0]) || nevents == MAX_EVENTS)
		return 0;
	memcpy(events[nevents], msg, alen);
	events[nevents][alen] = '\0';
	nevents++;
	if (strcmp(events[nevents - 1], "add") || devpath[0])
		return 0;
	snprintf(devpath, sizeof(devpath), "/sys%s", path);
	return 1;
}

/* The rules above; prints each one broken. */
static int judge(int bound_in_sysfs)
{
	int i, bound = 0, bad = 0;

	if (!nevents || strcmp(events[0], "add")) {
		printf("uevent-order: FAIL: the first event is not add\n");
		return 1;
	}
	for (i = 1; i < nevents; i++) {
		if (!strcmp(events[i], "bind") && !bound) {
			bound = 1;
		} else if (!strcmp(events[i], "unbind") && bound) {
			bound = 0;
		} else {
			printf("uevent-order: FAIL: event %d, %s, while %s\n",
			       i + 1, events[i], bound ? "bound" : "unbound");
			bad = 1;
		}
	}
	if (bound != bound_in_sysfs) {
		printf("uevent-order: FAIL: the events say %s, sysfs says %s\n",
		       bound ? "bound" : "unbound",
		       bound_in_sysfs ? "bound" : "unbound");
		bad = 1;
	}
	return bad;
}

int main(int argc, char **argv)
{
	struct sched_param rt = { .sched_priority = 10 };
	int go[2], done[2], sock, ufd, status, i, forced = 0;
	int unbind_err = -1, create_over = 0, quiet = 0;
	char buf[8192], link[600];
	struct stat st;
	cpu_set_t cpu0;
	pid_t child;

	if (argc != 4) {
		fprintf(stderr, "usage: uevent-order CREATE UUID UNBIND\n");
		return 2;
	}
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0))
		die("sched_setaffinity");
	sock = uevent_socket();
	ufd = open(argv[3], O_WRONLY);
	if (ufd < 0)
		die(argv[3]);
	if (pipe(go) || pipe2(done, O_NONBLOCK))
		die("pipe");
	child = fork();
	if (child < 0)
		die("fork");
	if (!child)
		creator(argv[1], argv[2], go[0], done[1]);
	/*
	 * After the fork: the child stays SCHED_OTHER, and this process's
	 * pages are its own (copied on write now, not in the race). All are
	 * made present now: a page fault in the race (this program runs
	 * from the host share) would sleep on I/O and let the create run on.
	 */
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		die("mlockall");
	if (sched_setscheduler(0, SCHED_FIFO, &rt))
		die("SCHED_FIFO");
	if (write(go[1], "g", 1) != 1)
		die("write go");

	/* Until the child is done and a second passes with no event. */
	while (quiet < 2) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 500) <= 0) {
			if (waitpid(child, &status, WNOHANG) == child || quiet)
				quiet++;
			continue;
		}
		n = recv(sock, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (!take(buf, n, argv[2]))
			continue;
		/* The device's "add": unbind now, before the creator runs on. */
		create_over = read(done[0], buf, 1) == 1;
		forced = !create_over;
		unbind_err = write(ufd, argv[2], strlen(argv[2])) < 0 ? errno : 0;
	}
	sched_setscheduler(0, SCHED_OTHER, &(struct sched_param){ 0 });
	if (waitpid(child, &status, 0) != child && errno != ECHILD)
		die("waitpid");

	printf("uevent-order: create: %s; unbind at add: %s; events:",
	       WIFEXITED(status) && !WEXITSTATUS(status) ? "ok" : "failed",
	       unbind_err < 0 ? "not made" : unbind_err ? strerror(unbind_err) : "ok");
	for (i = 0; i < nevents; i++)
		printf(" %s", events[i]);
	snprintf(link, sizeof(link), "%s/driver", devpath);
	printf("; driver link: %s\n", devpath[0] && !lstat(link, &st) ? "yes" : "no");

	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		printf("uevent-order: FAIL: the create failed\n");
		return 1;
	}
	if (judge(devpath[0] && !lstat(link, &st)))
		return 1;
	if (!forced) {
		printf("uevent-order: the unbind was not forced into the create%s\n",
		       create_over ? " (it had returned)" : " (no add)");
		return 3;
	}
	return 0;
}
