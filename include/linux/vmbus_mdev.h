/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmbus_mdev: mediated devices carved out of VMBus (and other) parents.
 *
 * Two kinds of users meet here. A *vendor* owns a parent device and knows
 * how to build the backing state of an instance (struct vmbus_mdev_vendor_ops).
 * A *bus driver* binds to instances through the driver model and gives them
 * to user space, as a VFIO device or a character device
 * (struct vmbus_mdev_driver). The core owns the lifecycle between the two;
 * see Documentation/driver-api/vmbus_mdev.rst for the sequencing contract.
 */
#ifndef _LINUX_VMBUS_MDEV_H
#define _LINUX_VMBUS_MDEV_H

#include <linux/device.h>
#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rhashtable-types.h>
#include <linux/uuid.h>

struct file;
struct module;
struct user_struct;
struct vm_area_struct;
struct vmbus_mdev_cdev;
struct vmbus_mdev_device;
struct vmbus_mdev_type_dir;
struct vmbus_mdev_vfio_ops;

/*
 * The bus every mediated device sits on, /sys/bus/vmbus_mdev. Exported so
 * that bus drivers and tests can look devices up and iterate over them.
 */
extern const struct bus_type vmbus_mdev_bus_type;

/**
 * struct vmbus_mdev_type - a kind of instance a parent can create
 * @sysfs_name: directory suffix; the directory is "<vendor>-<sysfs_name>"
 * @pretty_name: shown in the type's "name" attribute; if NULL,
 *	@sysfs_name is shown
 * @device_api: what the instance looks like to a bus driver, for example
 *	"vfio-pci"; bus drivers match on it and it is the MODALIAS suffix
 * @description: optional text for the "description" attribute
 * @max_instances: fixed number of instances of this type; ignored when
 *	@get_available is set
 * @get_available: optional; instances that can still be created, for a
 *	vendor whose types share one pool. The core checks it before create;
 *	the vendor's create stays authoritative and returns -EUSERS when it
 *	lost a race for the last unit.
 * @dir: private to the core, valid while the parent is registered
 *
 * Types are owned by the vendor and must stay valid while the parent is
 * registered; a type object serves one parent at a time (a vendor with
 * several parents gives each its own copies). The core keeps its own
 * sysfs object for each, so the type may be freed as soon as
 * vmbus_mdev_unregister_parent() returns.
 */
struct vmbus_mdev_type {
	const char *sysfs_name;
	const char *pretty_name;
	const char *device_api;
	const char *description;
	unsigned int max_instances;
	unsigned int (*get_available)(struct vmbus_mdev_type *type);

	struct vmbus_mdev_type_dir *dir;
};

/**
 * struct vmbus_mdev_vendor_ops - what a vendor does for each instance
 * @name: vendor name, the prefix of every type directory
 * @create: build the backing state of @mdev, before it is visible on the
 *	bus. Store it with vmbus_mdev_set_vendor_data(). Return 0 or a
 *	negative errno, which the writer of "create" receives.
 * @remove: tear down what @create built. Called once every bus driver has
 *	let go of @mdev; cannot fail.
 * @vfio: optional; how the instances look as VFIO devices. The vmbus_mdev
 *	VFIO bus driver binds only to instances whose vendor sets it.
 *
 * Neither callback is ever called for a parent once
 * vmbus_mdev_unregister_parent() has returned.
 */
struct vmbus_mdev_vendor_ops {
	const char *name;
	int (*create)(struct vmbus_mdev_device *mdev);
	void (*remove)(struct vmbus_mdev_device *mdev);
	const struct vmbus_mdev_vfio_ops *vfio;
};

/**
 * struct vmbus_mdev_vfio_ops - a vendor's instances as VFIO PCI devices
 * @num_regions: VFIO regions, normally VFIO_PCI_NUM_REGIONS
 * @num_irqs: VFIO interrupt indexes the vendor implements; the bus driver
 *	adds the request index (VFIO_PCI_REQ_IRQ_INDEX) itself
 * @open: a user opened the device; optional
 * @close: the last user closed it; optional
 * @region_info: size and VFIO_REGION_INFO_FLAG_* of region @index
 *	(size 0: not implemented)
 * @access: read or write @len bytes at @offset of region @index, to or from
 *	the kernel buffer @buf. The bus driver has checked the bounds and
 *	splits config space accesses into naturally aligned pieces of at most
 *	4 bytes; other regions see the access exactly as the user made it
 *	(1, 2, 4 or 8 bytes, naturally aligned). Return 0 or a negative errno.
 * @mmap: optional, for regions that report VFIO_REGION_INFO_FLAG_MMAP
 * @irq_info: number of vectors and VFIO_IRQ_INFO_* flags of interrupt
 *	index @index
 * @set_irqs: VFIO_DEVICE_SET_IRQS, already validated against @irq_info;
 *	@data holds @count bools or eventfd numbers as @flags says, copied
 *	from user space. @count is 0 only for VFIO_IRQ_SET_DATA_NONE |
 *	VFIO_IRQ_SET_ACTION_TRIGGER (disable the trigger), so @data is
 *	never NULL for a bool or eventfd call
 * @reset: VFIO_DEVICE_RESET; optional
 *
 * The vendor never registers anything with VFIO itself. Every callback is
 * made between the bus driver's probe and remove, so never after the
 * vendor's @remove has started.
 */
struct vmbus_mdev_vfio_ops {
	u32 num_regions;
	u32 num_irqs;
	int (*open)(struct vmbus_mdev_device *mdev);
	void (*close)(struct vmbus_mdev_device *mdev);
	int (*region_info)(struct vmbus_mdev_device *mdev, unsigned int index,
			   u64 *size, u32 *flags);
	int (*access)(struct vmbus_mdev_device *mdev, unsigned int index,
		      u64 offset, void *buf, unsigned int len, bool write);
	int (*mmap)(struct vmbus_mdev_device *mdev, unsigned int index,
		    struct vm_area_struct *vma);
	int (*irq_info)(struct vmbus_mdev_device *mdev, unsigned int index,
			u32 *count, u32 *flags);
	int (*set_irqs)(struct vmbus_mdev_device *mdev, u32 flags,
			unsigned int index, unsigned int start,
			unsigned int count, void *data);
	int (*reset)(struct vmbus_mdev_device *mdev);
};

/**
 * enum vmbus_mdev_parent_state - lifecycle of a parent
 * @VMBUS_MDEV_PARENT_LIVE: creates and removes are accepted
 * @VMBUS_MDEV_PARENT_UNREGISTERING: new creates and user removes fail with
 *	-ENODEV; the parent is draining
 */
enum vmbus_mdev_parent_state {
	VMBUS_MDEV_PARENT_LIVE,
	VMBUS_MDEV_PARENT_UNREGISTERING,
};

/**
 * struct vmbus_mdev_parent - a device that mediated devices are carved from
 * @dev: the real device (a VMBus hv_device's device in real use)
 * @ops: the vendor's callbacks
 * @owner: module of the vendor; pinned while the core calls into it
 * @types: the vendor's types
 * @nr_types: number of entries in @types
 * @lock: protects @state, @children and per-type counts. Never held
 *	across a vendor callback or device_add().
 * @state: see enum vmbus_mdev_parent_state
 * @children: live mediated devices, in creation order
 * @inflight: creates and user removes currently running; unregister
 *	waits for it to drop to zero
 * @types_kset: the "mdev_supported_types" directory
 * @node: entry in the core's list of registered parents
 *
 * The vendor embeds this structure and fills nothing in it by hand:
 * vmbus_mdev_register_parent() initialises every field, so a parent that is
 * registered again after unregistering starts from fresh state.
 */
struct vmbus_mdev_parent {
	struct device *dev;
	const struct vmbus_mdev_vendor_ops *ops;
	struct module *owner;
	struct vmbus_mdev_type **types;
	unsigned int nr_types;

	struct mutex lock;	/* see above: never across callbacks */
	enum vmbus_mdev_parent_state state;
	struct list_head children;
	atomic_t inflight;
	struct kset *types_kset;
	struct list_head node;
};

/**
 * enum vmbus_mdev_state - lifecycle of a mediated device
 * @VMBUS_MDEV_CREATING: being built; on the bus but matches no driver
 *	and is not yet announced to user space
 * @VMBUS_MDEV_ATTACHING: announced; its creator is probing the bus
 *	drivers (and so may anyone else); not yet removable
 * @VMBUS_MDEV_ACTIVE: fully created; its creator no longer touches it;
 *	may be removed
 * @VMBUS_MDEV_REMOVING: one remover owns it and is tearing it down
 * @VMBUS_MDEV_GONE: off the bus, its vendor state, instance and UUID
 *	released; only references to the struct remain
 */
enum vmbus_mdev_state {
	VMBUS_MDEV_CREATING,
	VMBUS_MDEV_ATTACHING,
	VMBUS_MDEV_ACTIVE,
	VMBUS_MDEV_REMOVING,
	VMBUS_MDEV_GONE,
};

/**
 * struct vmbus_mdev_device - one mediated device
 * @dev: its device on the vmbus_mdev bus, named by the lowercase UUID
 * @uuid: the UUID given to "create"
 * @type: the type it was created from
 * @parent: the parent it was created under
 * @vendor_data: the vendor's state, see vmbus_mdev_set_vendor_data()
 * @device_api: the core's copy of @type's device_api, valid as long as
 *	the struct: what the bus's match and uevent read
 * @type_name: the core's copy of the type directory's name, likewise
 * @state: see enum vmbus_mdev_state; changed under @parent->lock, except
 *	the last step to %VMBUS_MDEV_GONE, by its one remover or by its
 *	creator when the create fails
 * @creator: the task running the create, while it probes the drivers
 * @probe_err: error of a bus driver probe run by @creator
 * @node: entry in @parent->children
 * @hnode: entry in the global UUID index
 *
 * @type and @parent may only be used while the device is on the bus: from
 * a vendor callback or between a bus driver's probe and remove. The device
 * itself lives as long as someone holds a reference.
 */
struct vmbus_mdev_device {
	struct device dev;
	guid_t uuid;
	struct vmbus_mdev_type *type;
	struct vmbus_mdev_parent *parent;
	void *vendor_data;
	const char *device_api;
	const char *type_name;

	enum vmbus_mdev_state state;
	struct task_struct *creator;
	int probe_err;
	struct list_head node;
	struct rhash_head hnode;
};

/**
 * struct vmbus_mdev_device_id - what a bus driver binds to
 * @device_api: a type's device_api, for example "vfio-pci"
 */
struct vmbus_mdev_device_id {
	const char *device_api;
};

/**
 * struct vmbus_mdev_driver - a driver for mediated devices
 * @match: optional; whether this driver can serve @mdev, for example
 *	whether its vendor is the one the driver knows. The core calls it
 *	before every @probe, with the device lock held and the parent alive,
 *	a binding forced by driver_override included; false refuses the
 *	binding (the device stays unbound, bind gives -ENODEV). A driver that
 *	reads vendor data must check the vendor here. Without it, every
 *	device the driver is given is taken.
 * @probe: bind to a device; may create user-visible nodes. The vendor's
 *	state is complete, and the device announced, when it is called.
 * @remove: unbind; once it returns the driver must not touch the device
 * @id_table: device_api strings this driver handles, ending in an empty
 *	entry
 * @driver: the embedded driver-model driver; set at least @driver.name
 */
struct vmbus_mdev_driver {
	bool (*match)(struct vmbus_mdev_device *mdev);
	int (*probe)(struct vmbus_mdev_device *mdev);
	void (*remove)(struct vmbus_mdev_device *mdev);
	const struct vmbus_mdev_device_id *id_table;
	struct device_driver driver;
};

/**
 * to_vmbus_mdev_device() - the mediated device of a struct device
 * @dev: a device on vmbus_mdev_bus_type
 *
 * Return: the containing struct vmbus_mdev_device.
 */
static inline struct vmbus_mdev_device *to_vmbus_mdev_device(struct device *dev)
{
	return container_of(dev, struct vmbus_mdev_device, dev);
}

/**
 * vmbus_mdev_set_vendor_data() - attach the vendor's state to an instance
 * @mdev: the instance being created
 * @data: the vendor's state
 */
static inline void vmbus_mdev_set_vendor_data(struct vmbus_mdev_device *mdev,
					      void *data)
{
	mdev->vendor_data = data;
}

/**
 * vmbus_mdev_get_vendor_data() - the vendor's state of an instance
 * @mdev: the instance
 *
 * Return: what the vendor's create stored, valid until its remove.
 */
static inline void *vmbus_mdev_get_vendor_data(struct vmbus_mdev_device *mdev)
{
	return mdev->vendor_data;
}

int __vmbus_mdev_register_parent(struct vmbus_mdev_parent *parent,
				 struct device *dev,
				 const struct vmbus_mdev_vendor_ops *ops,
				 struct vmbus_mdev_type **types,
				 unsigned int nr_types, struct module *owner);

/**
 * vmbus_mdev_register_parent() - make a device a parent of mediated devices
 * @parent: the vendor's parent structure, initialised here
 * @dev: the real device
 * @ops: vendor callbacks
 * @types: the types it offers
 * @nr_types: number of @types
 *
 * See __vmbus_mdev_register_parent().
 */
#define vmbus_mdev_register_parent(parent, dev, ops, types, nr_types) \
	__vmbus_mdev_register_parent(parent, dev, ops, types, nr_types, \
				     THIS_MODULE)

void vmbus_mdev_unregister_parent(struct vmbus_mdev_parent *parent);

int __vmbus_mdev_register_driver(struct vmbus_mdev_driver *drv,
				 struct module *owner);

/**
 * vmbus_mdev_register_driver() - register a bus driver for mediated devices
 * @drv: the driver
 *
 * See __vmbus_mdev_register_driver().
 */
#define vmbus_mdev_register_driver(drv) \
	__vmbus_mdev_register_driver(drv, THIS_MODULE)

void vmbus_mdev_unregister_driver(struct vmbus_mdev_driver *drv);

int vmbus_mdev_create(struct vmbus_mdev_type *type, const guid_t *uuid);
unsigned int vmbus_mdev_type_available(struct vmbus_mdev_type *type);
int vmbus_mdev_remove(struct vmbus_mdev_device *mdev);

/* How many user ranges one call may have pinned by the helper. */
#define VMBUS_MDEV_CDEV_MAX_PINS	4

/**
 * struct vmbus_mdev_user_pages - user memory the helper pinned for a call
 * @uaddr: first byte, in the caller's address space; any alignment
 * @len: bytes; 0 pins nothing
 * @write: the device writes to it (pinned with FOLL_WRITE)
 * @pages: the pinned pages (FOLL_LONGTERM), from the page holding @uaddr
 *	on; set by the helper, NULL when @len is 0
 * @nr_pages: how many pages @pages holds
 * @user: the user charged for them (RLIMIT_MEMLOCK) until they are
 *	unpinned; NULL when the caller had CAP_IPC_LOCK
 *
 * The owner's @prepare fills in @uaddr, @len and @write; the helper pins
 * before the owner's @ioctl runs and unpins after it, unless @ioctl took
 * the pages with vmbus_mdev_user_pages_take().
 */
struct vmbus_mdev_user_pages {
	u64 uaddr;
	u32 len;
	bool write;
	struct page **pages;
	unsigned int nr_pages;
	struct user_struct *user;
};

/**
 * struct vmbus_mdev_cdev_call - one ioctl, its user memory handled by the helper
 * @cmd: the ioctl command
 * @arg: the argument as the caller gave it, to be read as a number only:
 *	the owner never dereferences it
 * @buf: a kernel copy of the _IOC_SIZE(@cmd) bytes at @arg when @cmd has
 *	_IOC_WRITE, zeroed otherwise; NULL when the size is 0. Copied back to
 *	@arg after @ioctl returned 0 or more, when @cmd has _IOC_READ.
 * @pins: the user ranges to pin, filled in by @prepare
 * @nr_pins: how many of @pins @prepare filled in
 *
 * A call that must wait for its device is deferred by the owner's @ioctl
 * (vmbus_mdev_cdev_call_defer()) and finished later, from any context,
 * with vmbus_mdev_cdev_call_complete(): the caller then waits in the
 * helper, outside the section revoke waits for, killable and freezable.
 */
struct vmbus_mdev_cdev_call {
	unsigned int cmd;
	unsigned long arg;
	void *buf;
	struct vmbus_mdev_user_pages pins[VMBUS_MDEV_CDEV_MAX_PINS];
	unsigned int nr_pins;
};

/**
 * struct vmbus_mdev_cdev_ops - the owner of a revocable character device
 * @open: a file is being opened; may attach per-file data with
 *	vmbus_mdev_cdev_set_file_data(). Optional.
 * @release: undo @open. Called exactly once per opened file: at close, or
 *	from vmbus_mdev_cdev_revoke() for files still open then. Optional.
 * @cmds: the ioctl commands @ioctl serves, ending with 0. Any other gets
 *	-ENOTTY before user memory is touched.
 * @prepare: check an ioctl's copied argument and list the user memory it
 *	needs pinned in @call->pins. Returns 0 to go on, or the ioctl's
 *	error. Optional: without it nothing is pinned.
 * @ioctl: the ioctl itself, on @call->buf and the pinned pages; may keep
 *	pages beyond the call with vmbus_mdev_user_pages_take(). Optional;
 *	-ENOTTY without it. Also serves 32-bit callers, with the same command
 *	numbers: in_compat_syscall() tells them apart. A call that waits
 *	for its device should be deferred (vmbus_mdev_cdev_call_defer())
 *	rather than sleep here: a sleep in a callback holds revoke, and must
 *	not be freezable. Sleeps that cannot be deferred should be
 *	interruptible and back out with -ERESTARTNOINTR on any signal (the
 *	freezer's included), having done nothing: the kernel's signal code
 *	then restarts the whole system call. A deferred call may complete
 *	with -ERESTARTNOINTR only from within @ioctl, for the same reason.
 * @revoke: make every call sleeping in the owner return, for example by
 *	waking its wait queues; sleeping calls must also test
 *	vmbus_mdev_cdev_revoked(). Deferred calls need nothing: the helper
 *	ends their wait itself. Optional.
 *
 * No callback runs after vmbus_mdev_cdev_revoke() has returned, and the
 * helper never reads these ops again: they may go with the owner's module
 * while files are still open. No callback may touch user memory: the
 * helper copies the argument and pins pages outside the section revoke
 * waits for, so that a caller whose memory never faults in (userfaultfd,
 * FUSE) cannot hold revoke. For the same reason the helper offers no
 * read or write, and no mmap: a mapping made by an owner could outlive
 * revoke.
 */
struct vmbus_mdev_cdev_ops {
	int (*open)(struct vmbus_mdev_cdev *rc, struct file *file);
	void (*release)(struct vmbus_mdev_cdev *rc, struct file *file);
	const unsigned int *cmds;
	int (*prepare)(struct file *file, struct vmbus_mdev_cdev_call *call);
	long (*ioctl)(struct file *file, struct vmbus_mdev_cdev_call *call);
	void (*revoke)(struct vmbus_mdev_cdev *rc);
};

struct vmbus_mdev_cdev *
vmbus_mdev_cdev_create(struct device *parent,
		       const struct vmbus_mdev_cdev_ops *ops, void *priv,
		       umode_t mode, const char *nodename);
void vmbus_mdev_cdev_revoke(struct vmbus_mdev_cdev *rc);
bool vmbus_mdev_cdev_revoked(struct vmbus_mdev_cdev *rc);
void vmbus_mdev_cdev_destroy(struct vmbus_mdev_cdev *rc);
void *vmbus_mdev_cdev_priv(struct vmbus_mdev_cdev *rc);
struct vmbus_mdev_cdev *vmbus_mdev_cdev_of_file(struct file *file);
void *vmbus_mdev_cdev_file_data(struct file *file);
void vmbus_mdev_cdev_set_file_data(struct file *file, void *data);
void vmbus_mdev_user_pages_take(struct vmbus_mdev_user_pages *to,
				struct vmbus_mdev_user_pages *from);
void vmbus_mdev_cdev_call_defer(struct vmbus_mdev_cdev_call *call, long timeout);
void vmbus_mdev_cdev_call_complete(struct vmbus_mdev_cdev_call *call, long ret);
void vmbus_mdev_user_pages_unpin(struct vmbus_mdev_user_pages *p, bool dirty);
void vmbus_mdev_user_pages_forget(struct vmbus_mdev_user_pages *p);

#endif /* _LINUX_VMBUS_MDEV_H */
