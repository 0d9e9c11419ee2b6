// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs-write FILE VALUE: one write(2) of VALUE to FILE, then print "ok"
 * or the errno's text, so that shell tests can compare exact errnos.
 * With $SYSFS_WRITE_MS set to a file name, the write(2)'s duration in
 * milliseconds goes there (timing a write without the cost of starting
 * programs under emulation).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	const char *timing;
	size_t len;
	ssize_t n;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: sysfs-write FILE VALUE\n");
		return 2;
	}
	fd = open(argv[1], O_WRONLY);
	if (fd < 0) {
		printf("%s\n", strerror(errno));
		return 1;
	}
	len = strlen(argv[2]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = write(fd, argv[2], len);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	timing = getenv("SYSFS_WRITE_MS");
	if (timing) {
		FILE *f = fopen(timing, "w");

		if (f) {
			fprintf(f, "%ld\n", (t1.tv_sec - t0.tv_sec) * 1000 +
				(t1.tv_nsec - t0.tv_nsec) / 1000000);
			fclose(f);
		}
	}
	if (n != (ssize_t)len) {
		printf("%s\n", strerror(errno));
		return 1;
	}
	if (close(fd)) {
		printf("%s\n", strerror(errno));
		return 1;
	}
	printf("ok\n");
	return 0;
}
