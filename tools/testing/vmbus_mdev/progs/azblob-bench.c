// SPDX-License-Identifier: GPL-2.0
/*
 * azblob-bench: requests per second and MB/s through an Azure Blob node,
 * beside two baselines measured in the same boot:
 *
 *   null ioctl  an ioctl the node refuses (-ENOTTY): the syscall and the
 *               revocable node's entry and exit, no request
 *   memcpy      a user-space memcpy of the same bytes, per thread
 *
 * Each request is "GET bench<thread>" with a data buffer of the size under
 * test: the host copies that many bytes into the caller's pinned pages,
 * the only copy on the path. "nop/s" is the same request that the host
 * answers without copying: pinning, the packet, both trips and unpinning,
 * the path's own cost. Sizes 4 KiB, 64 KiB and 1 MiB, with 1 and 4
 * threads. Each case runs three rounds of the three measurements back to
 * back and prints the medians.
 *
 *   azblob-bench NODE [SECONDS_PER_MEASUREMENT]
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <misc/azure_blob.h>

#define PAGE		4096U
#define MAX_SIZE	(1024U * 1024)
#define MAX_THREADS	4
#define ROUNDS		3
#define NULL_IOCTL	_IO(AZ_BLOB_MAGIC_NUMBER, 0xf1)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum mode { M_REQUEST, M_NOP, M_NULL, M_MEMCPY };

struct worker {
	pthread_t thread;
	int fd;
	int index;
	enum mode mode;
	unsigned int size;
	char *text, *resp, *data, *copy;
	unsigned long ops;
	int error;
};

static double seconds = 2.0;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int request(struct worker *w, const char *op, unsigned int valid)
{
	struct az_blob_request_sync r = {
		.timeout = 30000,
		.response_len = PAGE,
		.data_len = w->size,
		.data_valid = valid,
		.request_buffer = (unsigned long)w->text,
		.response_buffer = (unsigned long)w->resp,
		.data_buffer = (unsigned long)w->data,
	};

	snprintf(w->text, PAGE, "%s bench%d", op, w->index);
	r.request_len = strlen(w->text);
	if (ioctl(w->fd, IOCTL_AZ_BLOB_DRIVER_USER_REQUEST, &r))
		return errno;
	return r.response.status ? EIO : 0;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	double end = now() + seconds;

	while (!w->error && now() < end) {
		/* A batch between clock reads, so the clock costs little. */
		for (int i = 0; i < 16 && !w->error; i++) {
			switch (w->mode) {
			case M_REQUEST:
				w->error = request(w, "GET", 0);
				break;
			case M_NOP:
				w->error = request(w, "NOP", 0);
				break;
			case M_NULL:
				if (ioctl(w->fd, NULL_IOCTL, 0) != -1 || errno != ENOTTY)
					w->error = errno ? errno : EINVAL;
				break;
			case M_MEMCPY:
				memcpy(w->copy, w->data, w->size);
				/* Keep the copy from being optimised away. */
				__asm__ volatile("" : : "r"(w->copy) : "memory");
				break;
			}
			w->ops++;
		}
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of ROUNDS values (sorts them). */
static double median(double *v)
{
	qsort(v, ROUNDS, sizeof(*v), cmp_double);
	return v[ROUNDS / 2];
}

/* Run @threads workers for the set time; returns operations per second. */
static double run(struct worker *ws, int threads, enum mode mode,
		  unsigned int size)
{
	unsigned long ops = 0;
	double t0, t;
	int i;

	t0 = now();
	for (i = 0; i < threads; i++) {
		ws[i].mode = mode;
		ws[i].size = size;
		ws[i].ops = 0;
		if (pthread_create(&ws[i].thread, NULL, work, &ws[i])) {
			fprintf(stderr, "azblob-bench: cannot start a thread\n");
			exit(2);
		}
	}
	for (i = 0; i < threads; i++) {
		pthread_join(ws[i].thread, NULL);
		if (ws[i].error) {
			fprintf(stderr, "azblob-bench: thread %d: %s\n", i,
				strerror(ws[i].error));
			exit(1);
		}
		ops += ws[i].ops;
	}
	t = now() - t0;
	return ops / t;
}

int main(int argc, char **argv)
{
	static const unsigned int sizes[] = { 4096, 65536, MAX_SIZE };
	static const int thread_counts[] = { 1, MAX_THREADS };
	struct worker ws[MAX_THREADS] = { 0 };
	double null1 = 0, req4k1 = 0;
	unsigned int s;
	int i, t, fd;

	if (argc < 2) {
		fprintf(stderr, "usage: azblob-bench NODE [SECONDS_PER_MEASUREMENT]\n");
		return 2;
	}
	if (argc > 2)
		seconds = atof(argv[2]);
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "azblob-bench: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	for (i = 0; i < MAX_THREADS; i++) {
		struct worker *w = &ws[i];

		w->fd = fd;
		w->index = i;
		if (posix_memalign((void **)&w->text, PAGE, PAGE) ||
		    posix_memalign((void **)&w->resp, PAGE, PAGE) ||
		    posix_memalign((void **)&w->data, PAGE, MAX_SIZE) ||
		    posix_memalign((void **)&w->copy, PAGE, MAX_SIZE))
			return 2;
		memset(w->data, 'a' + i, MAX_SIZE);
		memset(w->copy, 0, MAX_SIZE);
		/* Each thread reads its own blob of the largest size. */
		w->size = MAX_SIZE;
		if (request(w, "PUT", MAX_SIZE)) {
			fprintf(stderr, "azblob-bench: cannot store the blob\n");
			return 1;
		}
	}

	printf("%-8s %7s %9s %9s %9s %9s %12s %9s %9s\n", "size", "threads",
	       "req/s", "MB/s", "nop/s", "null/s", "memcpy MB/s", "req/null",
	       "MB/memcpy");
	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		for (t = 0; t < 2; t++) {
			int n = thread_counts[t];
			double req[ROUNDS], nop[ROUNDS], nul[ROUNDS], cpy[ROUNDS];
			double rn[ROUNDS], rc[ROUNDS];
			int k;

			/*
			 * Rounds of request, null ioctl and memcpy back to
			 * back: under emulation speed drifts, so each ratio
			 * compares neighbours; the medians are printed.
			 */
			for (k = 0; k < ROUNDS; k++) {
				for (i = 0; i < n; i++)
					memset(ws[i].data, 0, sizes[s]);
				req[k] = run(ws, n, M_REQUEST, sizes[s]);
				/* Every thread got its own blob, to the last byte. */
				for (i = 0; i < n; i++)
					if (ws[i].data[sizes[s] - 1] != 'a' + i) {
						fprintf(stderr, "azblob-bench: wrong data\n");
						return 1;
					}
				nop[k] = run(ws, n, M_NOP, sizes[s]);
				nul[k] = run(ws, n, M_NULL, sizes[s]);
				cpy[k] = run(ws, n, M_MEMCPY, sizes[s]);
				rn[k] = req[k] / nul[k];
				rc[k] = req[k] / cpy[k];
			}
			printf("%-8u %7d %9.0f %9.1f %9.0f %9.0f %12.1f %9.3f %9.3f\n",
			       sizes[s], n, median(req), median(req) * sizes[s] / 1e6,
			       median(nop), median(nul), median(cpy) * sizes[s] / 1e6,
			       median(rn), median(rc));
			if (s == 0 && n == 1) {
				req4k1 = median(req);
				null1 = median(nul);
			}
		}
	}
	printf("4 KiB request overhead over a null ioctl (1 thread): %.1f us\n",
	       (1 / req4k1 - 1 / null1) * 1e6);
	close(fd);
	return 0;
}
