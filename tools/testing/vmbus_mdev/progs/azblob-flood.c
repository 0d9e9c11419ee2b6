// SPDX-License-Identifier: GPL-2.0
/*
 * azblob-flood: keep an Azure Blob node busy from many threads of one
 * process (starting a process per request is far too slow under TCG).
 *
 *   azblob-flood NODE NAME THREADS SECONDS
 *
 * Each thread sends "GET NAME" with a 4 KiB data buffer, again and again,
 * until SECONDS have passed, SIGTERM arrives (the requests in flight still
 * finish) or its request fails; $AZBLOB_TIMEOUT_MS is
 * the request timeout (default 30000, 0 for none). At the end it prints
 * one line: "azblob-flood: N ok, M failed" followed by the errno names of
 * the failures and their counts, e.g. "ENODEV=32".
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <misc/azure_blob.h>

#define PAGE		4096U
#define MAX_THREADS	256

struct flooder {
	pthread_t thread;
	char *text, *resp, *data;
	unsigned long ok;
	int error;
};

static int fd;
static const char *name;
static unsigned int timeout_ms = 30000;
static double deadline;
static int stop;	/* set by SIGTERM, read by every thread */

static void on_term(int sig)
{
	(void)sig;
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void *flood(void *arg)
{
	struct flooder *f = arg;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED) && now() < deadline) {
		struct az_blob_request_sync r = {
			.timeout = timeout_ms,
			.response_len = PAGE,
			.data_len = PAGE,
			.request_buffer = (unsigned long)f->text,
			.response_buffer = (unsigned long)f->resp,
			.data_buffer = (unsigned long)f->data,
		};

		snprintf(f->text, PAGE, "GET %s", name);
		r.request_len = strlen(f->text);
		if (ioctl(fd, IOCTL_AZ_BLOB_DRIVER_USER_REQUEST, &r)) {
			f->error = errno;
			break;
		}
		if (r.response.status) {
			f->error = EIO;
			break;
		}
		f->ok++;
	}
	return NULL;
}

static const char *errno_name(int e)
{
	switch (e) {
	case ENODEV: return "ENODEV";
	case EAGAIN: return "EAGAIN";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EIO: return "EIO";
	case EINTR: return "EINTR";
	default: return "other";
	}
}

int main(int argc, char **argv)
{
	static const int errnos[] = { ENODEV, EAGAIN, ETIMEDOUT, EIO, EINTR, 0 };
	static struct flooder fs[MAX_THREADS];
	unsigned long ok = 0, failed = 0;
	const char *env = getenv("AZBLOB_TIMEOUT_MS");
	int threads, i, j;

	threads = argc == 5 ? atoi(argv[3]) : 0;
	if (threads < 1 || threads > MAX_THREADS) {
		fprintf(stderr, "usage: azblob-flood NODE NAME THREADS(1-%d) SECONDS\n",
			MAX_THREADS);
		return 2;
	}
	name = argv[2];
	if (env)
		timeout_ms = strtoul(env, NULL, 0);
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "azblob-flood: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	signal(SIGTERM, on_term);
	deadline = now() + atof(argv[4]);
	for (i = 0; i < threads; i++) {
		if (posix_memalign((void **)&fs[i].text, PAGE, PAGE) ||
		    posix_memalign((void **)&fs[i].resp, PAGE, PAGE) ||
		    posix_memalign((void **)&fs[i].data, PAGE, PAGE) ||
		    pthread_create(&fs[i].thread, NULL, flood, &fs[i])) {
			fprintf(stderr, "azblob-flood: cannot start thread %d\n", i);
			return 2;
		}
	}
	for (i = 0; i < threads; i++) {
		pthread_join(fs[i].thread, NULL);
		ok += fs[i].ok;
		failed += !!fs[i].error;
	}
	printf("azblob-flood: %lu ok, %lu failed", ok, failed);
	for (j = 0; j < 6; j++) {
		int e = errnos[j], n = 0;

		for (i = 0; i < threads; i++)
			if (fs[i].error && (e ? fs[i].error == e :
			    !strcmp(errno_name(fs[i].error), "other")))
				n++;
		if (n)
			printf(" %s=%d", e ? errno_name(e) : "other", n);
	}
	printf("\n");
	return 0;
}
