// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs-write FILE VALUE: one write(2) of VALUE to FILE, then print "ok"
 * or the errno's text, so that shell tests can compare exact errnos.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t len;
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
	if (write(fd, argv[2], len) != (ssize_t)len) {
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
