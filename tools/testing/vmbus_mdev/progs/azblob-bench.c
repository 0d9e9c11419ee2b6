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
 * At 1 MiB with 1 thread, two more views of the same ratio. The path's
 * share alone: one memcpy's time over that plus nop's, as if the host
 * copied at memcpy's speed (under TCG the kernel's copy and glibc's do
 * not). And the ratio measured one request and one memcpy at a time, as
 * neighbours, with its quartiles: how far the VM's speed drifted.
 *
 * Then the 1 MiB cases again with the data buffer in a transparent huge
 * page: pinning and unpinning then cost one folio, not 256 pages, which is
 * what a large-transfer client should use. The memcpy stays in 4 KiB pages.
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
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <misc/azure_blob.h>

#define PAGE		4096U
#define MAX_SIZE	(1024U * 1024)
#define HUGE_SIZE	(2U * 1024 * 1024)
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
	/* data: where GETs land, small_data or later one huge page */
	char *small_data;		/* in 4 KiB pages, like copy */
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

/*
 * The baseline copy: always between 4 KiB pages. Under TCG, glibc's memcpy
 * between two 2 MiB-aligned huge pages ran at a third of the speed, which
 * would flatter the huge-page ratios.
 */
static void copy_once(struct worker *w)
{
	memcpy(w->copy, w->small_data, w->size);
	/* Keep the copy from being optimised away. */
	__asm__ volatile("" : : "r"(w->copy) : "memory");
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
				copy_once(w);
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

/* One 2 MiB-aligned 2 MiB region, asked for in a huge page and touched. */
static char *huge_alloc(void)
{
	size_t len = 2 * HUGE_SIZE;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *aligned;

	if (p == MAP_FAILED)
		return NULL;
	aligned = (char *)(((unsigned long)p + HUGE_SIZE - 1) &
			   ~(unsigned long)(HUGE_SIZE - 1));
	/* Only a hint (EINVAL without THP): the caller checks what it got. */
	madvise(aligned, HUGE_SIZE, MADV_HUGEPAGE);
	memset(aligned, 0, HUGE_SIZE);
	return aligned;
}

/* kB of anonymous memory in huge pages, from /proc/self/smaps_rollup. */
static long anon_huge_kb(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * The 1 MiB ratio once more, one request and one memcpy at a time,
 * alternating, each timed on its own: the speed of the VM drifts within a
 * second, but hardly within a millisecond, so each pair compares two
 * neighbours. Which goes first alternates too, so neither always runs
 * after the other has warmed the caches. Prints the median ratio of the
 * pairs and its quartiles, which say how much to trust it.
 */
#define MAX_PAIRS	20000
static double timed_get(struct worker *w)
{
	double t = now();

	if (request(w, "GET", 0)) {
		fprintf(stderr, "azblob-bench: a paired request failed\n");
		exit(1);
	}
	return now() - t;
}

static double timed_copy(struct worker *w)
{
	double t = now();

	copy_once(w);
	return now() - t;
}

static void run_pairs(struct worker *w)
{
	static double ratio[MAX_PAIRS];
	double end = now() + 3 * seconds, get, cpy;
	int n;

	w->size = MAX_SIZE;
	for (n = 0; n < MAX_PAIRS && now() < end; n++) {
		if (n & 1) {
			cpy = timed_copy(w);
			get = timed_get(w);
		} else {
			get = timed_get(w);
			cpy = timed_copy(w);
		}
		ratio[n] = cpy / get;
	}
	qsort(ratio, n, sizeof(ratio[0]), cmp_double);
	printf("1 MiB, 1 thread, one request and one memcpy at a time:\n"
	       "  MB/memcpy %.3f (quartiles %.3f to %.3f, %d pairs)\n",
	       ratio[n / 2], ratio[n / 4], ratio[3 * n / 4], n);
}

/* Set by run_case() at 1 MiB with 1 thread, printed below the table. */
static char path_share[200];

/* Measure and print the case of @size bytes with @n threads. */
static void run_case(struct worker *ws, unsigned int size, int n,
		     double *req1, double *nul1)
{
	double req[ROUNDS], nop[ROUNDS], nul[ROUNDS], cpy[ROUNDS];
	double rn[ROUNDS], rc[ROUNDS], model[ROUNDS];
	int i, k;

	/*
	 * Rounds of request, null ioctl and memcpy back to back: under
	 * emulation speed drifts, so each ratio compares neighbours; the
	 * medians are printed.
	 */
	for (k = 0; k < ROUNDS; k++) {
		for (i = 0; i < n; i++)
			memset(ws[i].data, 0, size);
		req[k] = run(ws, n, M_REQUEST, size);
		/* Every thread got its own blob, to the last byte. */
		for (i = 0; i < n; i++)
			if (ws[i].data[size - 1] != 'a' + i) {
				fprintf(stderr, "azblob-bench: wrong data\n");
				exit(1);
			}
		nop[k] = run(ws, n, M_NOP, size);
		nul[k] = run(ws, n, M_NULL, size);
		cpy[k] = run(ws, n, M_MEMCPY, size);
		rn[k] = req[k] / nul[k];
		rc[k] = req[k] / cpy[k];
		/* One memcpy's time over that plus the path's own (nop). */
		model[k] = (1 / cpy[k]) / (1 / cpy[k] + 1 / nop[k]);
	}
	printf("%-8u %7d %9.0f %9.1f %9.0f %9.0f %12.1f %9.3f %9.3f\n",
	       size, n, median(req), median(req) * size / 1e6, median(nop),
	       median(nul), median(cpy) * size / 1e6, median(rn), median(rc));
	/*
	 * Under TCG the simulated host's copy (the kernel's memcpy, a page at
	 * a time) and glibc's memcpy run at speeds of their own, which the
	 * measured ratio mixes in. The path's share alone: what the ratio
	 * would be with the host copying as fast as one memcpy.
	 */
	if (size == MAX_SIZE && n == 1)
		snprintf(path_share, sizeof(path_share),
			 "1 MiB, 1 thread: path's own cost %.0f us, one memcpy %.0f us:\n"
			 "  MB/memcpy with a host copying at memcpy's speed %.3f\n",
			 1e6 / median(nop), 1e6 / median(cpy), median(model));
	if (req1) {
		*req1 = median(req);
		*nul1 = median(nul);
	}
}

static void print_header(const char *title)
{
	printf("%s\n%-8s %7s %9s %9s %9s %9s %12s %9s %9s\n", title, "size",
	       "threads", "req/s", "MB/s", "nop/s", "null/s", "memcpy MB/s",
	       "req/null", "MB/memcpy");
}

int main(int argc, char **argv)
{
	static const unsigned int sizes[] = { 4096, 65536, MAX_SIZE };
	static const int thread_counts[] = { 1, MAX_THREADS };
	struct worker ws[MAX_THREADS] = { 0 };
	double null1 = 0, req4k1 = 0;
	long huge_kb;
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
		    posix_memalign((void **)&w->small_data, PAGE, MAX_SIZE) ||
		    posix_memalign((void **)&w->copy, PAGE, MAX_SIZE))
			return 2;
		/* Never merged into a huge page: 4 KiB pages is the case. */
		madvise(w->small_data, MAX_SIZE, MADV_NOHUGEPAGE);
		madvise(w->copy, MAX_SIZE, MADV_NOHUGEPAGE);
		memset(w->small_data, 'a' + i, MAX_SIZE);
		memset(w->copy, 0, MAX_SIZE);
		w->data = w->small_data;
		/* Each thread reads its own blob of the largest size. */
		w->size = MAX_SIZE;
		if (request(w, "PUT", MAX_SIZE)) {
			fprintf(stderr, "azblob-bench: cannot store the blob\n");
			return 1;
		}
	}

	print_header("Data in 4 KiB pages:");
	for (s = 0; s < ARRAY_SIZE(sizes); s++)
		for (t = 0; t < 2; t++)
			run_case(ws, sizes[s], thread_counts[t],
				 s == 0 && t == 0 ? &req4k1 : NULL, &null1);
	printf("4 KiB request overhead over a null ioctl (1 thread): %.1f us\n",
	       (1 / req4k1 - 1 / null1) * 1e6);
	fputs(path_share, stdout);
	run_pairs(&ws[0]);

	huge_kb = anon_huge_kb();
	for (i = 0; i < MAX_THREADS; i++) {
		ws[i].data = huge_alloc();
		if (!ws[i].data) {
			fprintf(stderr, "azblob-bench: no memory for huge pages\n");
			return 2;
		}
	}
	huge_kb = anon_huge_kb() - huge_kb;
	/* Say so rather than print 4 KiB numbers under a huge-page title. */
	if (huge_kb < (long)MAX_THREADS * HUGE_SIZE / 1024) {
		printf("No transparent huge pages (%ld kB of %u): huge-page cases skipped\n",
		       huge_kb, MAX_THREADS * HUGE_SIZE / 1024);
		close(fd);
		return 0;
	}
	print_header("Data in transparent huge pages:");
	for (t = 0; t < 2; t++)
		run_case(ws, MAX_SIZE, thread_counts[t], NULL, NULL);
	fputs(path_share, stdout);
	run_pairs(&ws[0]);
	close(fd);
	return 0;
}
