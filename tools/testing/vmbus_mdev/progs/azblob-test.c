// SPDX-License-Identifier: GPL-2.0
/*
 * azblob-test: the Azure Blob ioctl against the simulated host, with the
 * kernel's kselftest harness. The node comes from $AZBLOB_NODE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <misc/azure_blob.h>

/* The harness's callbacks do not use every parameter they are given. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"

#define PAGE		4096UL
#define MIB		(1024UL * 1024)

static int node_open(void)
{
	const char *node = getenv("AZBLOB_NODE");

	return node ? open(node, O_RDWR) : -1;
}

/* One request; returns 0 or -errno. */
static int do_req(int fd, struct az_blob_request_sync *r)
{
	return ioctl(fd, IOCTL_AZ_BLOB_DRIVER_USER_REQUEST, r) ? -errno : 0;
}

static void setup(struct az_blob_request_sync *r, const char *text, char *resp,
		  uint32_t resp_len, void *data, uint32_t data_len,
		  uint32_t valid)
{
	memset(r, 0, sizeof(*r));
	r->request_len = strlen(text);
	r->response_len = resp_len;
	r->data_len = data_len;
	r->data_valid = valid;
	r->request_buffer = (uintptr_t)text;
	r->response_buffer = (uintptr_t)resp;
	r->data_buffer = (uintptr_t)data;
}

/* PUT @len bytes at @data as @name, then GET into @out; 0 if identical. */
static int put_get(int fd, const char *name, char *text, char *resp,
		   void *data, void *out, uint32_t len)
{
	struct az_blob_request_sync r;

	sprintf(text, "PUT %s", name);
	setup(&r, text, resp, 64, data, len, len);
	if (do_req(fd, &r) || r.response.status)
		return -1;
	sprintf(text, "GET %s", name);
	setup(&r, text, resp, 64, out, len, 0);
	if (do_req(fd, &r) || r.response.status)
		return -1;
	return memcmp(data, out, len) ? -1 : 0;
}

FIXTURE(azblob) {
	int fd;
	char *text, *resp;
};

FIXTURE_SETUP(azblob)
{
	self->fd = node_open();
	ASSERT_GE(self->fd, 0);
	/* One page each, so that 8190 data pages still fit in a request. */
	ASSERT_EQ(0, posix_memalign((void **)&self->text, PAGE, PAGE));
	ASSERT_EQ(0, posix_memalign((void **)&self->resp, PAGE, PAGE));
}

FIXTURE_TEARDOWN(azblob)
{
	close(self->fd);
	free(self->text);
	free(self->resp);
}

TEST_F(azblob, round_trip_sizes)
{
	static const uint32_t sizes[] = { 1, 4096, MIB, 8190 * PAGE };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		char *in, *out;
		char name[32];
		uint32_t j;

		ASSERT_EQ(0, posix_memalign((void **)&in, PAGE, sizes[i]));
		ASSERT_EQ(0, posix_memalign((void **)&out, PAGE, sizes[i]));
		for (j = 0; j < sizes[i]; j++)
			in[j] = j * 7 + i;
		memset(out, 0, sizes[i]);
		/* Text and response in one page each, so 8190 data pages fit. */
		memset(self->text, 0, 256);
		sprintf(name, "size%u", sizes[i]);
		EXPECT_EQ(0, put_get(self->fd, name, self->text, self->resp, in,
				     out, sizes[i])) TH_LOG("size %u", sizes[i]);
		free(in);
		free(out);
	}
}

/* Odd offsets, and all three buffers inside the same pages. */
TEST_F(azblob, unaligned_and_shared_pages)
{
	char *area, *out;

	area = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	out = area + 2 * PAGE + 3;
	memset(area + 301, 'x', 5000);
	area[301 + 4999] = 'y';
	/* text at +5, response at +100, data at +301 spanning two pages */
	ASSERT_EQ(0, put_get(self->fd, "shared", area + 5, area + 100,
			     area + 301, out, 5000));
	munmap(area, 4 * PAGE);
}

/*
 * Buffers in transparent huge pages, each crossing from the tail of one
 * huge page into the next, at odd offsets: the pin covers parts of two
 * huge folios, the host writes through PFNs inside them.
 */
TEST_F(azblob, huge_page_buffers)
{
	const size_t huge = 2 * MIB, len = MIB + 5;
	char *map, *area, *in, *out;
	size_t i;

	map = mmap(NULL, 5 * huge, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	area = (char *)(((uintptr_t)map + huge - 1) & ~(uintptr_t)(huge - 1));
	/* A hint: without THP this is the 4 KiB-page case again. */
	madvise(area, 4 * huge, MADV_HUGEPAGE);
	memset(area, 0, 4 * huge);
	in = area + huge - 3001;
	out = area + 3 * huge - 77;
	for (i = 0; i < len; i++)
		in[i] = i * 13 + 1;
	EXPECT_EQ(0, put_get(self->fd, "huge", self->text, self->resp, in,
			     out, len));
	munmap(map, 5 * huge);
}

TEST_F(azblob, host_status_is_returned)
{
	struct az_blob_request_sync r;
	char data[16];

	snprintf(self->text, PAGE, "GET no-such-blob");
	setup(&r, self->text, self->resp, 64, data, sizeof(data), 0);
	ASSERT_EQ(0, do_req(self->fd, &r));
	EXPECT_EQ(404U, r.response.status);
	EXPECT_EQ(9U, r.response.response_len);
	EXPECT_EQ(0, memcmp(self->resp, "NOT FOUND", 9));
}

TEST_F(azblob, rules_einval)
{
	struct az_blob_request_sync r;
	char data[16];

	snprintf(self->text, PAGE, "PUT rules");
	setup(&r, self->text, self->resp, 64, data, sizeof(data), 4);
	r.request_len = 0;
	EXPECT_EQ(-EINVAL, do_req(self->fd, &r));
	setup(&r, self->text, self->resp, 0, data, sizeof(data), 4);
	EXPECT_EQ(-EINVAL, do_req(self->fd, &r));
	setup(&r, self->text, self->resp, 64, data, sizeof(data), 17);
	EXPECT_EQ(-EINVAL, do_req(self->fd, &r));
	setup(&r, self->text, self->resp, 64, data, 32 * MIB + 1, 4);
	EXPECT_EQ(-EINVAL, do_req(self->fd, &r));
	setup(&r, self->text, self->resp, 32 * MIB + 1, data, sizeof(data), 4);
	EXPECT_EQ(-EINVAL, do_req(self->fd, &r));
	/* 32 MiB of data is allowed alone, not with two more pages. */
	setup(&r, self->text, self->resp, 64, (void *)(64 * MIB), 32 * MIB, 4);
	EXPECT_EQ(-EINVAL, do_req(self->fd, &r));
}

TEST_F(azblob, rules_efault)
{
	struct az_blob_request_sync r;
	char *ro, *gone, *rotext, data[16];

	ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rotext = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, rotext);
	snprintf(rotext, PAGE, "PUT ro-request");
	ASSERT_EQ(0, mprotect(rotext, PAGE, PROT_READ));
	gone = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_NE(MAP_FAILED, gone);
	munmap(gone, PAGE);

	snprintf(self->text, PAGE, "PUT fault");
	setup(&r, self->text, self->resp, 64, data, sizeof(data), 4);
	r.request_buffer = (uintptr_t)gone;
	EXPECT_EQ(-EFAULT, do_req(self->fd, &r));
	setup(&r, self->text, gone, 64, data, sizeof(data), 4);
	EXPECT_EQ(-EFAULT, do_req(self->fd, &r));
	setup(&r, self->text, self->resp, 64, gone, 16, 4);
	EXPECT_EQ(-EFAULT, do_req(self->fd, &r));
	setup(&r, self->text, ro, 64, data, sizeof(data), 4);
	EXPECT_EQ(-EFAULT, do_req(self->fd, &r)) TH_LOG("read-only response");
	setup(&r, self->text, self->resp, 64, ro, 16, 4);
	EXPECT_EQ(-EFAULT, do_req(self->fd, &r)) TH_LOG("read-only data");
	/* The host only reads the request: read-only is fine. */
	setup(&r, rotext, self->resp, 64, self->text, 8, 8);
	EXPECT_EQ(0, do_req(self->fd, &r));
	EXPECT_EQ(0U, r.response.status);
	EXPECT_EQ(-EFAULT, ioctl(self->fd, IOCTL_AZ_BLOB_DRIVER_USER_REQUEST, gone) ? -errno : 0);
	/* An earlier rule wins over a later one. */
	setup(&r, self->text, self->resp, 64, gone, 16, 17);
	EXPECT_EQ(-EINVAL, do_req(self->fd, &r));
	munmap(ro, PAGE);
	munmap(rotext, PAGE);
}

/*
 * A 2021 client sets the named fields of a structure it never cleared:
 * the hole before request_buffer (now "reserved") holds whatever was
 * there, and the request must work all the same.
 */
TEST_F(azblob, hole_of_2021_layout_ignored)
{
	/* Writable: the host may write every data buffer (FOLL_WRITE). */
	char data[] = "written by a 2021 client";
	struct az_blob_request_sync r;
	char out[sizeof(data)] = "";

	memset(&r, 0xff, sizeof(r));
	snprintf(self->text, PAGE, "PUT hole");
	memcpy(r.guid, "0123456789abcdef", 16);
	r.timeout = 0;
	r.request_len = strlen(self->text);
	r.response_len = 64;
	r.data_len = sizeof(data);
	r.data_valid = sizeof(data);
	r.request_buffer = (uintptr_t)self->text;
	r.response_buffer = (uintptr_t)self->resp;
	r.data_buffer = (uintptr_t)data;
	ASSERT_EQ(0xffffffff, r.reserved);
	EXPECT_EQ(0, do_req(self->fd, &r));
	EXPECT_EQ(0U, r.response.status);

	memset(&r, 0xff, sizeof(r));
	snprintf(self->text, PAGE, "GET hole");
	memcpy(r.guid, "0123456789abcdef", 16);
	r.timeout = 0;
	r.request_len = strlen(self->text);
	r.response_len = 64;
	r.data_len = sizeof(out);
	r.data_valid = 0;
	r.request_buffer = (uintptr_t)self->text;
	r.response_buffer = (uintptr_t)self->resp;
	r.data_buffer = (uintptr_t)out;
	EXPECT_EQ(0, do_req(self->fd, &r));
	EXPECT_EQ(0U, r.response.status);
	EXPECT_STREQ(data, out);
}

TEST_F(azblob, unknown_ioctl)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR('R', 0xf1, struct az_blob_request_sync), NULL));
	EXPECT_EQ(ENOTTY, errno);
}

/* The fd, used after a change of credentials, is refused first of all. */
TEST_F(azblob, other_credentials)
{
	struct az_blob_request_sync r;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		setup(&r, self->text, self->resp, 0, NULL, 0, 0);	/* also EINVAL */
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		_exit(do_req(self->fd, &r) == -EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	/* A child killed by a signal has no exit status: not a pass. */
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child status %#x", status);
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* Take CAP_IPC_LOCK out of the effective set: RLIMIT_MEMLOCK applies then. */
static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_IPC_LOCK / 32].effective &= ~(1U << (CAP_IPC_LOCK % 32));
	return syscall(SYS_capset, &h, d);
}

/*
 * Pinned pages are charged to the caller's locked memory: over its
 * RLIMIT_MEMLOCK (without CAP_IPC_LOCK) the request fails with ENOMEM,
 * and within it the same request works; nothing stays charged after.
 */
TEST_F(azblob, pins_within_memlock_limit)
{
	struct rlimit lim = { .rlim_cur = 64 * 1024, .rlim_max = 64 * 1024 };
	struct az_blob_request_sync r;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		char *big = malloc(MIB);
		int i, e;

		if (!big || setrlimit(RLIMIT_MEMLOCK, &lim) || drop_ipc_lock())
			_exit(2);
		memset(big, 1, MIB);
		sprintf(self->text, "PUT memlock");
		setup(&r, self->text, self->resp, 64, big, MIB, MIB);
		e = do_req(self->fd, &r);
		if (e != -ENOMEM)
			_exit(10 + (e < 0 ? -e : 0));
		/* 8 KiB of data and two pages: 4 pages, well under 16. */
		for (i = 0; i < 20; i++) {
			setup(&r, self->text, self->resp, 64, big, 8192, 8192);
			if (do_req(self->fd, &r) || r.response.status)
				_exit(3);
		}
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child status %#x", status);
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("1 MiB over a 64 KiB limit: want ENOMEM (exit 10+errno), got exit %d",
		       WEXITSTATUS(status));
}

#define PROCS	4
#define THREADS	8
#define ROUNDS	8

struct worker {
	int fd, proc, thread, failures;
};

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	char text[64], resp[64], name[32];
	char in[3000], out[3000];
	int i, j;

	for (i = 0; i < ROUNDS; i++) {
		for (j = 0; j < (int)sizeof(in); j++)
			in[j] = w->proc * 31 + w->thread * 7 + i + j;
		memset(out, 0, sizeof(out));
		sprintf(name, "p%dt%dr%d", w->proc, w->thread, i);
		if (put_get(w->fd, name, text, resp, in, out, sizeof(in)))
			w->failures++;
	}
	return NULL;
}

TEST(concurrent_processes_and_threads)
{
	int p, status, failed = 0;

	for (p = 0; p < PROCS; p++) {
		pid_t pid = fork();

		ASSERT_GE(pid, 0);
		if (!pid) {
			struct worker w[THREADS];
			pthread_t t[THREADS];
			int fd = node_open(), i, fails = 0;

			for (i = 0; i < THREADS; i++) {
				w[i] = (struct worker){ .fd = fd, .proc = p, .thread = i };
				/* A thread that did not start did no round trip. */
				if (pthread_create(&t[i], NULL, worker_fn, &w[i]))
					w[i].failures = -1;
			}
			for (i = 0; i < THREADS; i++) {
				if (w[i].failures < 0) {
					fails++;
					continue;
				}
				pthread_join(t[i], NULL);
				fails += w[i].failures;
			}
			_exit(fd < 0 || fails ? 1 : 0);
		}
	}
	/* Each child exits 0, by itself; a missing child is a failure too. */
	for (p = 0; p < PROCS; p++) {
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	}
	EXPECT_EQ(0, failed);
}

TEST_HARNESS_MAIN
