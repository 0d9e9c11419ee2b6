// SPDX-License-Identifier: GPL-2.0
/*
 * azblob-stuck: removal must not wait for user memory.
 *
 *	azblob-stuck arg|data supply|kill NODE COMMAND [LIMIT]
 *
 * A child process sends one Azure Blob request on NODE with part of it on
 * a page that userfaultfd keeps missing: "arg" puts the ioctl's own
 * argument there (the kernel's copy of it waits), "data" the data buffer
 * (pinning it waits). Once the fault is seen pending, COMMAND (for example
 * a remove) runs through sh, and it must finish within LIMIT seconds (2
 * unless given; module unloads wait for RCU grace periods) while
 * the request is still stuck. Then, with "supply", the page arrives and
 * the request must fail with ENODEV, its node having gone while it
 * waited; with "kill", the child is killed and must die within LIMIT
 * seconds.
 *
 * Exit status: 0 as described, 1 when the kernel did otherwise, 2 when the
 * test could not be set up. COMMAND is always let finish, by supplying the
 * page (or killing the child) when it has not finished in time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <misc/azure_blob.h>

#define PAGE	4096UL
static int limit = 2;	/* seconds COMMAND, or dying, may take */

static int node_fd, uffd;
static char *stuck_page;		/* registered, never touched by us */
static struct az_blob_request_sync valid;	/* what "arg" supplies */
static const char req_text[] = "PUT stuck";
static char resp[64];
static int call_errno;

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static void *caller(void *arg)
{
	struct az_blob_request_sync *r = arg;

	call_errno = ioctl(node_fd, IOCTL_AZ_BLOB_DRIVER_USER_REQUEST, r) ? errno : 0;
	return NULL;
}

static void uffd_setup(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	/* Kernel-mode faults too: the ones this test is about. */
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		die("userfaultfd");
	if (ioctl(uffd, UFFDIO_API, &api))
		die("UFFDIO_API");
	stuck_page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stuck_page == MAP_FAILED)
		die("mmap");
	reg.range.start = (uintptr_t)stuck_page;
	reg.range.len = PAGE;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		die("UFFDIO_REGISTER");
}

/* The fault the request is waiting on; fails if none comes within 10 s. */
static int fault_pending(void)
{
	struct pollfd p = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&p, 1, 10000) != 1)
		return 0;
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg))
		return 0;
	return msg.event == UFFD_EVENT_PAGEFAULT &&
	       (msg.arg.pagefault.address & ~(PAGE - 1)) == (uintptr_t)stuck_page;
}

/* Let the request go on: the page arrives, holding a valid request. */
static void supply_page(void)
{
	char *buf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct uffdio_copy copy = {
		.dst = (uintptr_t)stuck_page,
		.len = PAGE,
	};

	if (buf == MAP_FAILED)
		die("mmap");
	copy.src = (uintptr_t)buf;
	memcpy(buf, &valid, sizeof(valid));
	if (ioctl(uffd, UFFDIO_COPY, &copy) && errno != EEXIST)
		die("UFFDIO_COPY");
}

/*
 * The child: start the request, report 's' once it waits on the page (or
 * 'x' if it never does), then on 'g' supply the page and report the
 * request's errno.
 */
static void child(int in, int out, const char *where, const char *node)
{
	struct az_blob_request_sync *r = &valid;
	pthread_t t;
	char c;

	node_fd = open(node, O_RDWR);
	if (node_fd < 0)
		die(node);
	uffd_setup();
	valid.request_len = strlen(req_text);
	valid.request_buffer = (uintptr_t)req_text;
	valid.response_len = sizeof(resp);
	valid.response_buffer = (uintptr_t)resp;
	if (!strcmp(where, "arg")) {
		r = (struct az_blob_request_sync *)stuck_page;
	} else {
		valid.data_len = PAGE;
		valid.data_buffer = (uintptr_t)stuck_page;
	}
	if (pthread_create(&t, NULL, caller, r))
		die("pthread_create");
	c = fault_pending() ? 's' : 'x';
	if (write(out, &c, 1) != 1 || c == 'x' || read(in, &c, 1) != 1)
		_exit(2);
	supply_page();
	pthread_join(t, NULL);
	if (write(out, &call_errno, sizeof(call_errno)) != sizeof(call_errno))
		_exit(2);
	_exit(0);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Wait up to limit s for @pid; 1 if it ended, with its status in *@status. */
static int wait_bounded(pid_t pid, int *status)
{
	double end;

	for (end = now() + limit; now() < end; usleep(10000))
		if (waitpid(pid, status, WNOHANG) == pid)
			return 1;
	return 0;
}

static pid_t run(const char *cmd)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (!pid) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Did COMMAND finish in time, and well, with the request still stuck? */
static int command_ok(const char *cmd, pid_t kid, pid_t *pid, int *in_time)
{
	double start = now();
	int status;

	*pid = run(cmd);
	*in_time = wait_bounded(*pid, &status);
	if (!*in_time) {
		printf("azblob-stuck: '%s' still running after %d s %s\n", cmd,
		       limit, "with the request stuck on user memory");
		return 0;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		printf("azblob-stuck: '%s' failed (status %#x)\n", cmd, status);
		return 0;
	}
	if (waitpid(kid, &status, WNOHANG)) {
		printf("azblob-stuck: the request ended before its page arrived\n");
		return 0;
	}
	printf("azblob-stuck: '%s' took %.2f s while the request waited on its page\n",
	       cmd, now() - start);
	return 1;
}

/* Supply the page; the request must then fail with ENODEV. */
static int supplied_enodev(int to_kid, int from_kid)
{
	char go = 'g';
	int e;

	if (write(to_kid, &go, 1) != 1 || read(from_kid, &e, sizeof(e)) != sizeof(e)) {
		printf("azblob-stuck: lost the child\n");
		return 0;
	}
	printf("azblob-stuck: the request then got '%s'%s\n", strerror(e),
	       e == ENODEV ? "" : ", want ENODEV");
	return e == ENODEV;
}

int main(int argc, char **argv)
{
	int to_kid[2], from_kid[2], ok, in_time, status;
	pid_t kid, pid;
	char c;

	if (argc < 5 || argc > 6 ||
	    (strcmp(argv[1], "arg") && strcmp(argv[1], "data")) ||
	    (strcmp(argv[2], "supply") && strcmp(argv[2], "kill"))) {
		fprintf(stderr, "usage: %s arg|data supply|kill NODE COMMAND [LIMIT]\n",
			argv[0]);
		return 2;
	}
	if (argc == 6)
		limit = atoi(argv[5]);
	if (pipe(to_kid) || pipe(from_kid))
		die("pipe");
	kid = fork();
	if (kid < 0)
		die("fork");
	if (!kid)
		child(to_kid[0], from_kid[1], argv[1], argv[3]);
	if (read(from_kid[0], &c, 1) != 1 || c != 's') {
		fprintf(stderr, "azblob-stuck: the request never waited on the page\n");
		kill(kid, SIGKILL);
		return 2;
	}

	ok = command_ok(argv[4], kid, &pid, &in_time);
	if (!strcmp(argv[2], "supply")) {
		ok &= supplied_enodev(to_kid[1], from_kid[0]);
		waitpid(kid, &status, 0);
	} else {
		kill(kid, SIGKILL);
		if (!wait_bounded(kid, &status)) {
			printf("azblob-stuck: the killed caller still there after %d s\n",
			       limit);
			ok = 0;
			waitpid(kid, &status, 0);
		} else {
			printf("azblob-stuck: the killed caller died\n");
		}
	}
	/* Its request let go, COMMAND can finish now if it had not. */
	if (!in_time)
		waitpid(pid, &status, 0);
	return ok ? 0 : 1;
}
