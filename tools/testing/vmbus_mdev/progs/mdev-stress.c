// SPDX-License-Identifier: GPL-2.0
/*
 * mdev-stress: everything a user can do to vmbus_mdev, at once, for a
 * bounded time.
 *
 *   mdev-stress SECONDS PROGS_DIR TESTVENDOR_KO
 *
 * Threads, each on its own for SECONDS, then stopping by themselves:
 *  - four creators, each with three UUIDs of its own, create them on a
 *    random type (the test vendor's two parents, vmbus_mtty, Azure Blob)
 *    and remove them again; one keeps to a type of two instances, which
 *    it fills;
 *  - a binder unbinds, binds (to a random driver of the bus) and sets or
 *    clears driver_override on random instances;
 *  - a parent churner unregisters and registers the test vendor's
 *    parents (its "online" parameter), unloads and loads the test vendor
 *    module (TESTVENDOR_KO), and has the simulated host rescind and offer its channel;
 *  - an Azure Blob feeder keeps two processes sending requests on every
 *    node there is, and kills one with SIGKILL now and then;
 *  - a VFIO user runs vfio-client (from PROGS_DIR) on random vmbus_mtty
 *    instances, holding the device until the remove's request IRQ or
 *    making a round trip; and, every other turn, on a card of its own
 *    that no other thread touches, removed by itself (own_session()).
 * Every result is counted by errno, per operation, and must be one that
 * the ABI documents for it (Documentation/driver-api/vmbus_mdev.rst,
 * "Errors of create", Remove, the driver model; azure_blob.rst; the
 * allowed lists below are written from those, not from the code). The
 * table is printed at the end, with the results outside it; the exit
 * status is 0 only when there were none. What is left afterwards (no
 * device, instances, UUIDs, pins, kmemleak) is the caller's check.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <misc/azure_blob.h>

#include "vfio-client.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define CREATORS	4
#define PER_CREATOR	3
#define NR_UUIDS	(CREATORS * PER_CREATOR)

static const char *const types[] = {
	"/sys/devices/platform/vmbus_mdev_test.0/mdev_supported_types/test-small",
	"/sys/devices/platform/vmbus_mdev_test.0/mdev_supported_types/test-bulk",
	"/sys/devices/platform/vmbus_mdev_test.1/mdev_supported_types/test-small",
	"/sys/devices/vmbus_mtty/mdev_supported_types/vmbus_mtty-1",
	"/sys/devices/vmbus_mtty/mdev_supported_types/vmbus_mtty-2",
	"/sys/devices/platform/azblob_sim.0/mdev_supported_types/azure_blob-standard",
};

static const char *const drivers[] = {
	"vmbus_mdev_vfio", "azure_blob", "vmbus_mdev_test_a", "vmbus_mdev_test_b",
};

#define BUS		"/sys/bus/vmbus_mdev"
#define ONLINE		"/sys/module/vmbus_mdev_testvendor/parameters/online"
#define SIM		"/sys/kernel/debug/azblob_sim"

/* The errnos counted; the last column is "any other". */
static const int errs[] = {
	0, ENOENT, ENODEV, EBUSY, EEXIST, EUSERS, EAGAIN, EINVAL, EINTR,
	ETIMEDOUT, ENOMEM, ENXIO,
};

#define NR_ERRS		(ARRAY_SIZE(errs) + 1)

struct op {
	const char *name;
	const char *allowed;	/* errno names, comma-separated; "0" for success */
};

/* Counts per operation and errno, shared with the client processes. */
static long (*counts)[NR_ERRS];

/*
 * What each operation may return, from the ABI documents: ENOENT is the
 * open of a sysfs file or node whose device or parent is gone, which
 * every racing operation can meet.
 */
enum {
	OP_CREATE, OP_REMOVE, OP_UNBIND, OP_BIND, OP_OVERRIDE, OP_ONLINE,
	OP_OFFLINE, OP_RMMOD, OP_INSMOD, OP_RESCIND, OP_OFFER, OP_REQUEST,
	OP_VFIO, OP_VFIO_OWN, NR_OPS,
};

static struct op ops[NR_OPS] = {
	/* Errors of create, and ENOENT: the parent is gone. */
	[OP_CREATE] = { "create", "0,ENOENT,EEXIST,EUSERS,ENODEV" },
	/* Remove: lost to another remover (parent unregister), or gone. */
	[OP_REMOVE] = { "remove", "0,ENOENT,ENODEV" },
	/* The driver model: not bound to it, or gone. */
	[OP_UNBIND] = { "unbind", "0,ENOENT,ENODEV" },
	/* Refused by match, already bound, or gone. */
	[OP_BIND] = { "bind", "0,ENOENT,ENODEV,EBUSY" },
	[OP_OVERRIDE] = { "driver_override", "0,ENOENT,ENODEV" },
	[OP_ONLINE] = { "test vendor parents registered", "0,ENOENT" },
	[OP_OFFLINE] = { "test vendor parents unregistered", "0,ENOENT" },
	/* delete_module(O_NONBLOCK): in use, or not loaded. */
	[OP_RMMOD] = { "rmmod test vendor", "0,EAGAIN,EBUSY,ENOENT" },
	/* Only ever tried with the module gone, and its drivers too. */
	[OP_INSMOD] = { "insmod test vendor", "0" },
	/* The churner alone rescinds and offers, each after the other. */
	[OP_RESCIND] = { "rescind", "0" },
	[OP_OFFER] = { "offer", "0" },
	/*
	 * azure_blob.rst: revoked (removed, rescinded); or the node's open
	 * racing its removal (ENXIO: the char device went). Not EAGAIN (no
	 * O_NONBLOCK) nor ETIMEDOUT (the simulated host always answers, so
	 * a timeout is a lost completion).
	 */
	[OP_REQUEST] = { "Azure Blob request", "0,ENODEV,ENXIO" },
	/*
	 * vfio-client's exit status: 0, the errno that opening the device
	 * failed with (ENOENT: its iommu_group link or group node went with
	 * a remove or unbind; ENODEV: the VFIO device went first), or
	 * ETIMEDOUT for a hold that no remove asked to let go. Any other
	 * failure (a wrong result, a crash) is "other".
	 */
	[OP_VFIO] = { "VFIO client", "0,ENOENT,ENODEV,ETIMEDOUT" },
	/*
	 * A session on a card of the VFIO user's own, which nothing else
	 * touches: create (EUSERS: the creators hold every port of the
	 * pool), then a round trip, or a hold ended by its own remove (the
	 * client must receive the request and the remove return 0). Every
	 * other result is a failure; and at least one must succeed.
	 */
	[OP_VFIO_OWN] = { "VFIO session on its own card", "0,EUSERS" },
};

static const char *errname(int e)
{
	static const char *const names[] = {
		"0", "ENOENT", "ENODEV", "EBUSY", "EEXIST", "EUSERS", "EAGAIN",
		"EINVAL", "EINTR", "ETIMEDOUT", "ENOMEM", "ENXIO", "other",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errs) && errs[i] != e; i++)
		;
	return names[i];
}

static void count(int op, int e)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errs) && errs[i] != e; i++)
		;
	__atomic_fetch_add(&counts[op][i], 1, __ATOMIC_RELAXED);
}

static int allowed(const struct op *o, const char *name)
{
	const char *p = o->allowed;
	size_t len = strlen(name);

	while ((p = strstr(p, name))) {
		if ((p == o->allowed || p[-1] == ',') && (p[len] == ',' || !p[len]))
			return 1;
		p += len;
	}
	return 0;
}

static int stop;

/* Whether the time is not up yet; set once by main(), read by all. */
static int running(void)
{
	return !__atomic_load_n(&stop, __ATOMIC_RELAXED);
}

static const char *progs, *testvendor;
static char uuids[NR_UUIDS][37];

/* One write(2) of @val to @path: 0 or the errno (ENOENT from the open). */
static int put(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), e = 0;

	if (fd < 0)
		return errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		e = errno;
	close(fd);
	return e;
}

static unsigned int rnd(unsigned int *seed, unsigned int n)
{
	return rand_r(seed) % n;
}

static void pause_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void *creator(void *arg)
{
	unsigned int id = (unsigned long)arg, seed = id * 7919 + 1;
	char path[256];

	while (running()) {
		const char *u = uuids[id * PER_CREATOR + rnd(&seed, PER_CREATOR)];

		/*
		 * Creator 0 keeps to test-small (two instances) with its three
		 * UUIDs, and removes only a third of what it creates, so that
		 * the type is often full (EUSERS).
		 */
		snprintf(path, sizeof(path), "%s/create",
			 types[id ? rnd(&seed, ARRAY_SIZE(types)) : 0]);
		count(OP_CREATE, put(path, u));
		pause_ms(rnd(&seed, 20));
		snprintf(path, sizeof(path), BUS "/devices/%s/remove", u);
		if (id ? rnd(&seed, 4) : !rnd(&seed, 3))
			count(OP_REMOVE, put(path, "1"));
	}
	return NULL;
}

static void *binder(void *arg)
{
	unsigned int seed = 4242;
	char path[256], link[256];
	const char *u, *d;
	ssize_t n;

	while (running()) {
		u = uuids[rnd(&seed, NR_UUIDS)];
		d = drivers[rnd(&seed, ARRAY_SIZE(drivers))];
		switch (rnd(&seed, 3)) {
		case 0:
			snprintf(path, sizeof(path), BUS "/devices/%s/driver", u);
			n = readlink(path, link, sizeof(link) - 1);
			if (n < 0)
				break;
			link[n] = 0;
			snprintf(path, sizeof(path), BUS "/drivers/%s/unbind", basename(link));
			count(OP_UNBIND, put(path, u));
			break;
		case 1:
			snprintf(path, sizeof(path), BUS "/drivers/%s/bind", d);
			count(OP_BIND, put(path, u));
			break;
		default:
			snprintf(path, sizeof(path), BUS "/devices/%s/driver_override", u);
			count(OP_OVERRIDE, put(path, rnd(&seed, 2) ? d : "\n"));
		}
		pause_ms(rnd(&seed, 10));
	}
	return NULL;
}

static int module_op(int load)
{
	int fd, e = 0;

	if (!load)
		return syscall(SYS_delete_module, "vmbus_mdev_testvendor", O_NONBLOCK) ?
		       errno : 0;
	fd = open(testvendor, O_RDONLY);
	if (fd < 0)
		return errno;
	if (syscall(SYS_finit_module, fd, "", 0))
		e = errno;
	close(fd);
	return e;
}

/*
 * Until the test vendor's drivers have left sysfs, at most 10 s: a
 * driver's directory goes with its kobject's release, which the debug
 * kernel's DEBUG_KOBJECT_RELEASE delays by up to 4 s after
 * driver_unregister() returned (bus_remove_driver() only puts it), and a
 * module loaded again before that fails to register its driver under the
 * same name (sysfs: cannot create duplicate filename).
 */
static void wait_drivers_gone(void)
{
	static const char *const names[] = {
		BUS "/drivers/vmbus_mdev_test_a", BUS "/drivers/vmbus_mdev_test_b",
		BUS "/drivers/vmbus_mdev_test_fail",
	};
	unsigned int i, n;

	for (n = 0; n < 1000; n++) {
		for (i = 0; i < ARRAY_SIZE(names) && access(names[i], F_OK); i++)
			;
		if (i == ARRAY_SIZE(names))
			return;
		pause_ms(10);
	}
}

static void *churner(void *arg)
{
	unsigned int seed = 777;
	int e;

	while (running()) {
		switch (rnd(&seed, 4)) {
		case 0:
			count(OP_OFFLINE, put(ONLINE, "0"));
			pause_ms(rnd(&seed, 50));
			count(OP_ONLINE, put(ONLINE, "1"));
			break;
		case 1:
			e = module_op(0);
			count(OP_RMMOD, e);
			if (e && e != ENOENT)
				break;	/* still loaded */
			wait_drivers_gone();
			pause_ms(rnd(&seed, 50));
			count(OP_INSMOD, module_op(1));
			break;
		default:
			count(OP_RESCIND, put(SIM "/rescind", "1"));
			pause_ms(rnd(&seed, 50));
			count(OP_OFFER, put(SIM "/offer", "1"));
		}
		pause_ms(100 + rnd(&seed, 200));
	}
	return NULL;
}

/* Fork a process that runs @fn(@seed) and dies with its parent. */
static pid_t spawn(void (*fn)(unsigned int), unsigned int seed)
{
	pid_t p = fork();

	if (p < 0) {
		perror("mdev-stress: fork");
		exit(2);
	}
	if (!p) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fn(seed);
		_exit(0);
	}
	return p;
}

/* One Azure Blob client process: NOP requests on every node, forever. */
static void azblob_client(unsigned int seed)
{
	static char text[64] = "NOP stress", resp[64];
	struct az_blob_request_sync r;
	char path[128];
	int fd;

	for (;;) {
		snprintf(path, sizeof(path), "/dev/azure_blob/%s", uuids[rnd(&seed, NR_UUIDS)]);
		fd = open(path, O_RDWR);
		if (fd < 0) {
			if (errno != ENOENT)
				count(OP_REQUEST, errno);
			pause_ms(5);
			continue;
		}
		memset(&r, 0, sizeof(r));
		r.timeout = 10000;
		r.request_len = strlen(text);
		r.response_len = sizeof(resp);
		r.request_buffer = (unsigned long)text;
		r.response_buffer = (unsigned long)resp;
		count(OP_REQUEST, ioctl(fd, IOCTL_AZ_BLOB_DRIVER_USER_REQUEST, &r) ? errno : 0);
		close(fd);
	}
}

static void *feeder(void *arg)
{
	unsigned int seed = 99, i;
	pid_t kids[2];

	for (i = 0; i < 2; i++)
		kids[i] = spawn(azblob_client, i + 1);
	while (running()) {
		pause_ms(200 + rnd(&seed, 500));
		i = rnd(&seed, 2);
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
		kids[i] = spawn(azblob_client, seed);
	}
	for (i = 0; i < 2; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	return NULL;
}

#define OWN_UUID	"5e5e5e5e-0000-4000-8000-0000000f0f0f"
#define OWN_TYPE	"/sys/devices/vmbus_mtty/mdev_supported_types/vmbus_mtty-1"

/* Start vfio-client DEV MODE [READY SECONDS] in a child of its own. */
static pid_t spawn_client(const char *client, const char *dev, const char *mode,
			  const char *ready, const char *seconds)
{
	pid_t p = fork();
	int null;

	if (p < 0) {
		perror("mdev-stress: fork");
		exit(2);
	}
	if (!p) {
		null = open("/dev/null", O_WRONLY);
		/* A client stuck for 60 s dies, and counts as a crash. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(60);
		dup2(null, 1);
		dup2(null, 2);
		if (ready)
			execl(client, client, dev, mode, ready, seconds, (char *)NULL);
		else
			execl(client, client, dev, mode, (char *)NULL);
		_exit(127);
	}
	return p;
}

/* The same, waited for: its wait status, or -1. */
static int run_client(const char *client, const char *dev, const char *mode,
		      const char *ready, const char *seconds)
{
	pid_t p = spawn_client(client, dev, mode, ready, seconds);
	int st;

	return waitpid(p, &st, 0) == p ? st : -1;
}

/*
 * One session on the VFIO user's own card: 0 when the client did all it
 * was asked and the card went again; the create's errno; or -1.
 */
static int own_session(const char *client, unsigned int *seed)
{
	const char *dev = BUS "/devices/" OWN_UUID, *ready = "/tmp/stress-own-ready";
	int e, st, i, removed = -1;
	pid_t p;

	e = put(OWN_TYPE "/create", OWN_UUID);
	if (e)
		return e;
	unlink(ready);
	if (rnd(seed, 2)) {
		st = run_client(client, dev, "roundtrip", NULL, NULL);
		removed = put(BUS "/devices/" OWN_UUID "/remove", "1");
	} else {
		/*
		 * The remove, once the client holds the card, asks it to let
		 * go; a client that is gone before it (a crash, or a request
		 * nobody sent) fails the session.
		 */
		p = spawn_client(client, dev, "hold", ready, "30");
		for (i = 0; i < 3000 && access(ready, F_OK); i++) {
			if (waitpid(p, &st, WNOHANG) == p)
				break;
			pause_ms(10);
		}
		if (i < 3000 && !access(ready, F_OK) && waitpid(p, &st, WNOHANG) == 0) {
			removed = put(BUS "/devices/" OWN_UUID "/remove", "1");
			if (waitpid(p, &st, 0) != p)
				st = -1;
		} else {
			if (i == 3000)
				kill(p, SIGKILL);
			waitpid(p, &st, 0);
			st = -1;
		}
	}
	/* Whatever went wrong, the next session must find the UUID free. */
	if (removed)
		put(BUS "/devices/" OWN_UUID "/remove", "1");
	return !removed && st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/*
 * vfio-client's exit status (vfio-client.h) as a result to count: a hold
 * that no remove asked to let go is ETIMEDOUT, a failed open its errno.
 */
static int vfio_result(int st)
{
	int rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;

	if (rc == 0 || rc == VFIO_CLIENT_NO_REQUEST)
		return rc ? ETIMEDOUT : 0;
	return rc > VFIO_CLIENT_OPEN ? rc - VFIO_CLIENT_OPEN : -1;
}

static void *vfio_user(void *arg)
{
	unsigned int seed = 31337;
	char dev[128], client[512], ready[64], real[512];
	int st;

	snprintf(client, sizeof(client), "%s/vfio-client", progs);
	while (running()) {
		/* Every other turn, a session on a card of its own. */
		if (rnd(&seed, 2)) {
			count(OP_VFIO_OWN, own_session(client, &seed));
			continue;
		}
		snprintf(dev, sizeof(dev), BUS "/devices/%s", uuids[rnd(&seed, NR_UUIDS)]);
		snprintf(ready, sizeof(ready), "/tmp/stress-ready.%u", seed);
		/* Only vmbus_mtty's instances are VFIO devices. */
		if (!realpath(dev, real) || !strstr(real, "/vmbus_mtty/")) {
			pause_ms(10);
			continue;
		}
		if (rnd(&seed, 2))
			st = run_client(client, dev, "hold", ready, "3");
		else
			st = run_client(client, dev, "roundtrip", NULL, NULL);
		unlink(ready);
		count(OP_VFIO, vfio_result(st));
	}
	return NULL;
}

static long report(void)
{
	long outside = 0, total;
	size_t o, i;

	for (o = 0; o < NR_OPS; o++) {
		total = 0;
		for (i = 0; i < NR_ERRS; i++)
			total += counts[o][i];
		printf("stress: %s: %ld:", ops[o].name, total);
		for (i = 0; i < NR_ERRS; i++) {
			const char *n = i < ARRAY_SIZE(errs) ? errname(errs[i]) : "other";

			if (!counts[o][i])
				continue;
			printf(" %s %ld%s", n, counts[o][i],
			       allowed(&ops[o], n) ? "" : " (not documented)");
			if (!allowed(&ops[o], n))
				outside += counts[o][i];
		}
		printf("\n");
	}
	printf("stress: %ld results outside the documented ones\n", outside);
	if (!counts[OP_VFIO_OWN][0]) {
		printf("stress: no VFIO session on a card of its own succeeded\n");
		outside++;
	}
	return outside;
}

int main(int argc, char **argv)
{
	pthread_t t[CREATORS + 4];
	unsigned int i, n = 0;
	int seconds;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 4) {
		fprintf(stderr, "usage: mdev-stress SECONDS PROGS_DIR TESTVENDOR_KO\n");
		return 2;
	}
	seconds = atoi(argv[1]);
	progs = argv[2];
	testvendor = argv[3];
	counts = mmap(NULL, sizeof(*counts) * NR_OPS, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counts == MAP_FAILED)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < NR_UUIDS; i++)
		snprintf(uuids[i], sizeof(uuids[i]), "5e5e5e5e-0000-4000-8000-%012x", i);
	for (i = 0; i < CREATORS; i++)
		pthread_create(&t[n++], NULL, creator, (void *)(unsigned long)i);
	pthread_create(&t[n++], NULL, binder, NULL);
	pthread_create(&t[n++], NULL, churner, NULL);
	pthread_create(&t[n++], NULL, feeder, NULL);
	pthread_create(&t[n++], NULL, vfio_user, NULL);
	sleep(seconds);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return report() ? 1 : 0;
}
