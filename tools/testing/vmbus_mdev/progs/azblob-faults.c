// SPDX-License-Identifier: GPL-2.0
/*
 * azblob-faults: the kernel's fault injection over each use of an Azure
 * Blob node.
 *
 *   azblob-faults NODE
 *
 * NODE is /dev/azure_blob/<uuid> of an instance whose host is the
 * simulated one (azblob_sim: "PUT", "GET", "DEL" and "NOP" requests on a
 * blob store). Each use below has its 1st, 2nd, ... fault point failed in
 * turn by fn_sweep() (fail-nth.h: failslab, fail_page_alloc and
 * fail_usercopy, as the test script has set them), until a run reaches
 * no armed point. The fault points are this task's: the node's open and
 * release, and the request ioctl up to the host's answer (copying the
 * request in, the allocations, pinning the pages, sending, copying the
 * answer back); the simulated host answers from its own workqueue, out of
 * reach. A use that failed must have failed with ENOMEM or EFAULT and
 * succeed when repeated; a success must be whole: the host's answer is
 * status 0 with the response the request asked for, and what GET brings
 * back is what PUT stored. Built for 64-bit and, as azblob-faults32, for
 * 32-bit callers (the compat ioctl).
 *
 * One line "azblob-faults: ok NAME" or "azblob-faults: FAIL NAME: ..."
 * per use, after the counts of its sweep; the exit status is the number
 * of failed uses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <misc/azure_blob.h>

#include "fail-nth.h"

#define PAGE		4096U
#define BLOB_NAME	"faults"
#define BLOB_LEN	(2 * PAGE + 7)

struct ab {
	const char *node;
	int fd;
	uint8_t *area;	/* 4 pages: GET's request, response and data */
	uint8_t *data;	/* 4 pages: PUT's data, at an odd offset */
	uint8_t *text;	/* 2 pages: PUT's and DEL's request and response */
	struct az_blob_request_sync r;
	char missing[128];
};

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + 3);
}

/* A request on @a->fd; the ioctl's result, 0 or -errno. */
static int request(struct ab *a, const char *text, uint8_t *req,
		   uint8_t *resp, uint32_t resp_len, uint8_t *data,
		   uint32_t data_len, uint32_t data_valid)
{
	memcpy(req, text, strlen(text));
	memset(resp, 0, resp_len);
	memset(&a->r, 0, sizeof(a->r));
	a->r.timeout = 30000;
	a->r.request_len = strlen(text);
	a->r.response_len = resp_len;
	a->r.data_len = data_len;
	a->r.data_valid = data_valid;
	a->r.request_buffer = (uintptr_t)req;
	a->r.response_buffer = (uintptr_t)resp;
	a->r.data_buffer = (uintptr_t)data;
	return ioctl(a->fd, IOCTL_AZ_BLOB_DRIVER_USER_REQUEST, &a->r) ? -errno : 0;
}

/* NULL if the host answered status 0 with @want, else what it answered. */
static const char *answered(struct ab *a, const uint8_t *resp,
			    const char *want)
{
	if (!a->r.response.status && a->r.response.response_len >= strlen(want) &&
	    !memcmp(resp, want, strlen(want)))
		return NULL;
	snprintf(a->missing, sizeof(a->missing), "host status %u, response '%.*s'",
		 a->r.response.status,
		 (int)(a->r.response.response_len < 40 ? a->r.response.response_len : 40),
		 (const char *)resp);
	return a->missing;
}

static int put_blob(struct ab *a)
{
	size_t i;

	for (i = 0; i < BLOB_LEN; i++)
		a->data[123 + i] = pattern(i);
	return request(a, "PUT " BLOB_NAME, a->text + 100, a->text + PAGE + 50,
		       64, a->data + 123, BLOB_LEN, BLOB_LEN);
}

/* open(2) of the node; whole if a request on it is answered. */
static int use_open(void *ctx)
{
	struct ab *a = ctx;

	a->fd = open(a->node, O_RDWR);
	return a->fd < 0 ? -errno : 0;
}

static const char *open_whole(void *ctx)
{
	struct ab *a = ctx;
	int ret = request(a, "NOP " BLOB_NAME, a->text, a->text + PAGE, 64,
			  NULL, 0, 0);

	if (ret) {
		snprintf(a->missing, sizeof(a->missing), "a NOP on it: %s",
			 strerror(-ret));
		return a->missing;
	}
	return answered(a, a->text + PAGE, "OK");
}

static int close_fd(void *ctx)
{
	struct ab *a = ctx;
	int ret = close(a->fd) ? -errno : 0;

	a->fd = -1;
	return ret;
}

/* PUT: request and response in two pages, data over three from offset 123. */
static int use_put(void *ctx)
{
	return put_blob(ctx);
}

static const char *put_whole(void *ctx)
{
	struct ab *a = ctx;
	char want[32];

	snprintf(want, sizeof(want), "OK %u", BLOB_LEN);
	return answered(a, a->text + PAGE + 50, want);
}

/* GET: request, response and data sharing the pages of one area. */
static int use_get(void *ctx)
{
	struct ab *a = ctx;

	memset(a->area + 400, 0, 3 * PAGE);
	return request(a, "GET " BLOB_NAME, a->area + 8, a->area + 200, 100,
		       a->area + 400, 3 * PAGE, 0);
}

static const char *get_whole(void *ctx)
{
	struct ab *a = ctx;
	const char *wrong;
	char want[32];
	size_t i;

	snprintf(want, sizeof(want), "OK %u", BLOB_LEN);
	wrong = answered(a, a->area + 200, want);
	if (wrong)
		return wrong;
	for (i = 0; i < BLOB_LEN; i++) {
		if (a->area[400 + i] != pattern(i)) {
			snprintf(a->missing, sizeof(a->missing),
				 "byte %zu of the blob reads %#x", i,
				 a->area[400 + i]);
			return a->missing;
		}
	}
	return NULL;
}

/*
 * DEL, with no data buffer. The blob is stored again before each call
 * (the attempt and its repeat): a DEL the host carried out before the
 * ioctl failed (copying the answer back) would otherwise make the repeat
 * find nothing.
 */
static int del_enter(void *ctx)
{
	struct ab *a = ctx;
	int ret = put_blob(a);

	return ret ? ret : a->r.response.status ? -EPROTO : 0;
}

static int use_del(void *ctx)
{
	struct ab *a = ctx;

	return request(a, "DEL " BLOB_NAME, a->text + 300, a->text + PAGE + 300,
		       64, NULL, 0, 0);
}

static const char *del_whole(void *ctx)
{
	struct ab *a = ctx;

	return answered(a, a->text + PAGE + 300, "OK");
}

/* close(2) after a request: the release; whole if the node opens again. */
static int close_setup(void *ctx)
{
	struct ab *a = ctx;
	int ret = use_open(a);

	return ret ? ret : put_blob(a);
}

static int use_close(void *ctx)
{
	return close_fd(ctx);
}

static const char *close_whole(void *ctx)
{
	struct ab *a = ctx;
	int fd = open(a->node, O_RDWR);

	if (fd < 0) {
		snprintf(a->missing, sizeof(a->missing), "opening it again: %s",
			 strerror(errno));
		return a->missing;
	}
	close(fd);
	return NULL;
}

/*
 * The minimum fault points: open has our file's state; each request at
 * least the copy of the request struct in and of the answer out, and
 * its allocations. Close has no fault point of ours.
 */
static const struct fn_use uses[] = {
	{ .name = "open", .op = use_open, .whole = open_whole,
	  .undo = close_fd, .min = 1 },
	{ .name = "PUT, data over 3 pages", .op = use_put, .whole = put_whole,
	  .min = 3 },
	{ .name = "GET, buffers sharing pages", .op = use_get,
	  .whole = get_whole, .min = 3 },
	{ .name = "DEL, no data buffer", .enter = del_enter, .op = use_del,
	  .whole = del_whole, .min = 3 },
	{ .name = "close", .setup = close_setup, .op = use_close,
	  .whole = close_whole },
};

int main(int argc, char **argv)
{
	struct ab a = { .fd = -1 };
	struct fn_result r;
	int failed = 0;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2) {
		fprintf(stderr, "usage: azblob-faults NODE\n");
		return 2;
	}
	a.node = argv[1];
	if (posix_memalign((void **)&a.area, PAGE, 4 * PAGE) ||
	    posix_memalign((void **)&a.data, PAGE, 4 * PAGE) ||
	    posix_memalign((void **)&a.text, PAGE, 2 * PAGE))
		return 2;
	fn_prog = sizeof(long) == 4 ? "azblob-faults32" : "azblob-faults";
	fn_open();
	/* The data, GET and DEL need an open node; open and close make their own. */
	for (i = 0; i < ARRAY_SIZE(uses); i++) {
		if (uses[i].op != use_open && uses[i].op != use_close &&
		    a.fd < 0 && use_open(&a)) {
			printf("%s: FAIL %s: opening %s: %s\n", fn_prog,
			       uses[i].name, a.node, strerror(errno));
			return 2;
		}
		if (uses[i].op == use_close && a.fd >= 0)
			close_fd(&a);
		fn_sweep(&uses[i], &a, &r);
		if (r.bad || r.points < uses[i].min) {
			printf("%s: FAIL %s: %ld bad, %u fault points\n", fn_prog,
			       uses[i].name, r.bad, r.points);
			failed++;
		} else {
			printf("%s: ok %s\n", fn_prog, uses[i].name);
		}
	}
	if (a.fd >= 0)
		close(a.fd);
	return failed;
}
