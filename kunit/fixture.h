/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared KUnit fixture: a fake vendor with two types, two fake bus drivers,
 * a trace of every callback and core step, fault injection at any step,
 * and parking points where a thread waits until the test lets it go.
 */
#ifndef _VMBUS_MDEV_KUNIT_FIXTURE_H
#define _VMBUS_MDEV_KUNIT_FIXTURE_H

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/ioctl.h>
#include <linux/spinlock.h>

#include "vmbus_mdev_private.h"

#define FX_TRACE_LEN 1024
#define FX_API "kunit-api"
#define FX_IOC_NOP _IO('f', 1)	/* the only ioctl of driver A's node */

/* Where a callback may park: one point per fixture at a time. */
enum fx_park {
	FX_PARK_NONE,
	FX_PARK_VENDOR_CREATE,
	FX_PARK_VENDOR_REMOVE,
	FX_PARK_PROBE,
	FX_PARK_DRIVER_REMOVE,
};

/* The bus in sysfs, as user space sees it. */
#define FX_SYSFS_BUS "/sys/bus/vmbus_mdev"

struct fx_vendor_state {
	struct vmbus_mdev_device *mdev;
	u8 tag;
};

struct fx {
	struct kunit *test;
	struct device *dev;
	struct vmbus_mdev_parent parent;
	struct vmbus_mdev_type type_fixed;	/* max 2 instances */
	struct vmbus_mdev_type type_pool;	/* get_available() */
	struct vmbus_mdev_type type_late;	/* only driver L matches */
	struct vmbus_mdev_type *types[3];
	unsigned int pool;

	spinlock_t lock;	/* protects trace */
	char trace[FX_TRACE_LEN];
	enum vmbus_mdev_step fail_step;		/* VMBUS_MDEV_STEP_NR: none */
	int fail_err;
	int vendor_create_err;
	int probe_err;
	/* Driver F's first and second probe return these, then 0. */
	int f_probe_errs[2];
	unsigned int f_probes;
	struct vmbus_mdev_parent *other;	/* a second parent, also traced */
	unsigned int vendor_removes;

	enum fx_park park;
	/* Park the creating (or removing) thread at this core step. */
	enum vmbus_mdev_step park_step;		/* VMBUS_MDEV_STEP_NR: none */
	struct completion parked;
	struct completion release;

	/* Driver A gives each device a node, /dev/vmbus_mdev_kunit/fx<tag>. */
	bool with_node;
	struct vmbus_mdev_cdev *node;	/* the last one made */
	atomic_t node_calls;

	/* Called from the probe of driver A when set, in the probing thread. */
	void (*probe_check)(struct fx *fx, struct vmbus_mdev_device *mdev);
	/* Called at core step @check_step when set, in the creating thread. */
	enum vmbus_mdev_step check_step;
	void (*step_check)(struct fx *fx, struct vmbus_mdev_device *mdev);
	unsigned int step_checks;
	struct completion step_reached;
	/* What the device looked like at each step, recorded when set. */
	bool observe;
	/* Every thread started, joined by fx_exit() before KUnit frees them. */
	struct fx_thread *threads[8];
	unsigned int nr_threads;
	struct fx_seen {
		bool called, registered, add_sent, remove_sent, linked, bound;
	} seen[VMBUS_MDEV_STEP_NR];
};

/* A thread running one call, so a test can interleave it with another. */
struct fx_thread {
	struct fx *fx;
	int (*fn)(struct fx_thread *t);
	struct vmbus_mdev_type *type;
	guid_t uuid;
	struct vmbus_mdev_device *mdev;
	int ret;
	struct completion done;
	bool finished;		/* done was seen: fx_thread_finished() */
};

extern struct vmbus_mdev_driver fx_driver_a;
extern struct vmbus_mdev_driver fx_driver_b;
extern struct vmbus_mdev_driver fx_driver_late;
extern bool fx_driver_late_registered;
extern struct vmbus_mdev_driver fx_driver_f;
extern bool fx_driver_f_registered;

int fx_init(struct kunit *test);
void fx_exit(struct kunit *test);
int fx_register(struct fx *fx);
struct device *fx_new_device(struct kunit *test);
void fx_trace(struct fx *fx, const char *fmt, ...) __printf(2, 3);
void fx_trace_reset(struct fx *fx);
void fx_expect_trace(struct fx *fx, ...);
/* Expect the trace to be the fragments, joined by spaces. */
#define FX_EXPECT_TRACE(fx, ...) fx_expect_trace(fx, __VA_ARGS__, NULL)
void fx_uuid(guid_t *uuid, u8 tag);
int fx_write_file(const char *val, const char *fmt, ...) __printf(2, 3);
void fx_need_path(struct kunit *test, const char *path);
int fx_create(struct fx *fx, struct vmbus_mdev_type *type, u8 tag);
struct vmbus_mdev_device *fx_find(u8 tag);
unsigned int fx_count_on_bus(void);

void fx_thread_start(struct fx *fx, struct fx_thread *t,
		     int (*fn)(struct fx_thread *t));
int fx_thread_create(struct fx_thread *t);
int fx_thread_remove(struct fx_thread *t);
int fx_thread_sysfs_remove(struct fx_thread *t);
int fx_thread_unregister(struct fx_thread *t);
bool fx_thread_finished(struct fx_thread *t, unsigned int ms);
void fx_wait_parked(struct fx *fx);
void fx_release(struct fx *fx);
void fx_wait_step(struct fx *fx, enum vmbus_mdev_step step);
struct fx_thread *fx_thread_alloc(struct fx *fx, struct vmbus_mdev_type *type,
				  u8 tag);

#endif
