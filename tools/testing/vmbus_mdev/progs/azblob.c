// SPDX-License-Identifier: GPL-2.0
/*
 * azblob: a small Azure Blob client for a vmbus_mdev instance node.
 *
 *   azblob NODE put NAME FILE     store FILE as blob NAME
 *   azblob NODE get NAME [FILE]   fetch blob NAME to FILE (or stdout)
 *   azblob NODE del NAME          delete blob NAME
 *
 * NODE is /dev/azure_blob/<uuid>. $AZBLOB_TIMEOUT_MS sets the request's
 * timeout (default 30000; 0 waits without limit); $AZBLOB_DATA_LEN the
 * size of the buffer "get" gives the host (default and most: 8190 pages).
 * $AZBLOB_NONBLOCK=1 opens the node O_NONBLOCK (a full quota gives EAGAIN);
 * $AZBLOB_TIME=1 prints how long the request took, "azblob: N ms".
 * $AZBLOB_FD=N sends the request on the already open file descriptor N
 * instead of opening NODE (a node held open by the shell across a remove;
 * NODE is then only a name).
 * Exits 0 when the host answered with
 * status 0, 1 on a host error (its response is printed), 2 on a local one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <misc/azure_blob.h>

/*
 * One request spans at most 8192 pages in total; with a one-page request
 * and a one-page response, the data buffer can have 8190.
 */
#define PAGE		4096U
#define MAX_BLOB	(8190U * PAGE)

/* Page-aligned (see main()), so that each takes one page of a request. */
static char *text, *resp;

static int request(int fd, const char *text, void *data, __u32 data_len,
		   __u32 data_valid, char *resp, __u32 resp_len)
{
	const char *timeout = getenv("AZBLOB_TIMEOUT_MS");
	struct az_blob_request_sync r = {
		.timeout = timeout ? strtoul(timeout, NULL, 0) : 30000,
		.request_len = strlen(text),
		.response_len = resp_len,
		.data_len = data_len,
		.data_valid = data_valid,
		.request_buffer = (unsigned long)text,
		.response_buffer = (unsigned long)resp,
		.data_buffer = (unsigned long)data,
	};

	struct timespec t0, t1;
	int ret, err;

	memset(resp, 0, resp_len);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = ioctl(fd, IOCTL_AZ_BLOB_DRIVER_USER_REQUEST, &r);
	err = errno;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (ret) {
		fprintf(stderr, "azblob: %s: %s (after %ld ms)\n", text,
			strerror(err), (t1.tv_sec - t0.tv_sec) * 1000 +
			(t1.tv_nsec - t0.tv_nsec) / 1000000);
		exit(2);
	}
	if (getenv("AZBLOB_TIME"))
		fprintf(stderr, "azblob: %ld ms\n", (t1.tv_sec - t0.tv_sec) * 1000 +
			(t1.tv_nsec - t0.tv_nsec) / 1000000);
	if (r.response.status) {
		fprintf(stderr, "azblob: %s: host status %u: %.*s\n", text,
			r.response.status, (int)r.response.response_len, resp);
		exit(1);
	}
	return r.response.response_len;
}

static void *read_file(const char *path, __u32 *len)
{
	struct stat st;
	void *buf = NULL;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) || st.st_size > (off_t)MAX_BLOB) {
		fprintf(stderr, "azblob: %s: cannot read (or over %u bytes)\n", path, MAX_BLOB);
		exit(2);
	}
	if (posix_memalign(&buf, PAGE, st.st_size ? st.st_size : 1) ||
	    read(fd, buf, st.st_size) != st.st_size) {
		fprintf(stderr, "azblob: %s: short read\n", path);
		exit(2);
	}
	close(fd);
	*len = st.st_size;
	return buf;
}

int main(int argc, char **argv)
{
	unsigned int size;
	__u32 len;
	void *data;
	int fd, out;

	if (argc < 4) {
		fprintf(stderr, "usage: azblob NODE put NAME FILE | get NAME [FILE] | del NAME\n");
		return 2;
	}
	if (posix_memalign((void **)&text, PAGE, PAGE) ||
	    posix_memalign((void **)&resp, PAGE, PAGE))
		return 2;
	if (getenv("AZBLOB_FD"))
		fd = atoi(getenv("AZBLOB_FD"));
	else
		fd = open(argv[1], getenv("AZBLOB_NONBLOCK") ? O_RDWR | O_NONBLOCK : O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "azblob: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	if (!strcmp(argv[2], "put") && argc == 5) {
		data = read_file(argv[4], &len);
		snprintf(text, PAGE, "PUT %s", argv[3]);
		request(fd, text, data, len, len, resp, PAGE);
		printf("%s\n", resp);
		return 0;
	}
	if (!strcmp(argv[2], "get")) {
		const char *env = getenv("AZBLOB_DATA_LEN");
		__u32 max = env ? strtoul(env, NULL, 0) : MAX_BLOB;

		if (!max || max > MAX_BLOB || posix_memalign(&data, PAGE, max))
			return 2;
		snprintf(text, PAGE, "GET %s", argv[3]);
		request(fd, text, data, max, 0, resp, PAGE);
		if (sscanf(resp, "OK %u", &size) != 1 || size > max) {
			fprintf(stderr, "azblob: unexpected response '%s'\n", resp);
			return 2;
		}
		out = argc > 4 ? open(argv[4], O_WRONLY | O_CREAT | O_TRUNC, 0644) : 1;
		if (out < 0 || write(out, data, size) != (ssize_t)size) {
			fprintf(stderr, "azblob: cannot write the blob\n");
			return 2;
		}
		return 0;
	}
	if (!strcmp(argv[2], "del")) {
		snprintf(text, PAGE, "DEL %s", argv[3]);
		request(fd, text, NULL, 0, 0, resp, PAGE);
		printf("%s\n", resp);
		return 0;
	}
	fprintf(stderr, "azblob: unknown command %s\n", argv[2]);
	return 2;
}
