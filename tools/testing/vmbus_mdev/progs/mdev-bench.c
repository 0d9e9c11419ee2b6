// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark: create and remove N mediated devices through sysfs under one
 * parent, and print the per-device cost at each N and its growth.
 *
 *   mdev-bench TYPE_DIR N [N...]
 *
 * TYPE_DIR is <parent>/mdev_supported_types/<type>. Each N is measured a
 * few times (more for small N, where a run is short) and the median run is
 * reported. The last line compares the largest N with the smallest: a
 * ratio near 1 means the cost per device does not grow with the count.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void uuid_of(char *buf, unsigned int run, unsigned int i)
{
	snprintf(buf, 37, "%08x-0000-4000-8000-%012x", run, i);
}

static void write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val)) {
		fprintf(stderr, "mdev-bench: %s <- %s: %s\n", path, val, strerror(errno));
		exit(1);
	}
	close(fd);
}

/* One run: N creates, then N removes; per-device microseconds of each. */
static void run_once(const char *type_dir, unsigned int run, unsigned int n,
		     double *create_us, double *remove_us)
{
	char create[4096], path[4096], uuid[37];
	double t0, t1, t2;
	unsigned int i;

	snprintf(create, sizeof(create), "%s/create", type_dir);
	t0 = now_us();
	for (i = 0; i < n; i++) {
		uuid_of(uuid, run, i);
		write_file(create, uuid);
	}
	t1 = now_us();
	for (i = 0; i < n; i++) {
		uuid_of(uuid, run, i);
		snprintf(path, sizeof(path), "/sys/bus/vmbus_mdev/devices/%s/remove", uuid);
		write_file(path, "1");
	}
	t2 = now_us();
	*create_us = (t1 - t0) / n;
	*remove_us = (t2 - t1) / n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	double first = 0, last = 0;
	unsigned int run = 1;
	int a;

	if (argc < 3) {
		fprintf(stderr, "usage: mdev-bench TYPE_DIR N [N...]\n");
		return 2;
	}
	/* Warm up caches and slabs so the first N is not penalised. */
	{
		double c, r;

		run_once(argv[1], run++, 100, &c, &r);
	}
	printf("%8s %14s %14s %14s\n", "N", "create us/dev", "remove us/dev",
	       "total us/dev");
	for (a = 2; a < argc; a++) {
		unsigned int n = strtoul(argv[a], NULL, 0), reps, k;
		double c[16], r[16], t[16], total;

		reps = n <= 100 ? 9 : n <= 1000 ? 5 : 3;
		for (k = 0; k < reps; k++) {
			run_once(argv[1], run++, n, &c[k], &r[k]);
			t[k] = c[k] + r[k];
		}
		qsort(c, reps, sizeof(double), cmp_double);
		qsort(r, reps, sizeof(double), cmp_double);
		qsort(t, reps, sizeof(double), cmp_double);
		total = t[reps / 2];
		printf("%8u %14.1f %14.1f %14.1f\n", n, c[reps / 2], r[reps / 2], total);
		if (a == 2)
			first = total;
		last = total;
	}
	printf("ratio per-device cost N=%s / N=%s: %.2f (target <= 1.2)\n",
	       argv[argc - 1], argv[2], last / first);
	return 0;
}
