// SPDX-License-Identifier: GPL-2.0
/*
 * vmbus_mdev VFIO bus driver: gives "vfio-pci" instances to user space as
 * VFIO devices, so that QEMU can assign them to a guest.
 *
 * The vendor describes its device through struct vmbus_mdev_vfio_ops and
 * never sees VFIO registration, user pointers or the request interrupt:
 * this driver validates every ioctl and access, copies user data in and
 * out, and owns the request eventfd, which lets "remove" ask the holder
 * (QEMU) to let go instead of blocking silently.
 */
#include <linux/eventfd.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <linux/vmbus_mdev.h>

/* VFIO PCI convention: the region index lives above bit 40 of the offset. */
#define VMV_OFFSET_SHIFT	40
#define VMV_OFFSET_MASK		((1ULL << VMV_OFFSET_SHIFT) - 1)
#define VMV_INDEX_TO_OFFSET(i)	((u64)(i) << VMV_OFFSET_SHIFT)

struct vmbus_mdev_vfio {
	struct vfio_device vdev;
	struct vmbus_mdev_device *mdev;
	const struct vmbus_mdev_vfio_ops *ops;
	/* Serialises the request eventfd against request() and close. */
	struct mutex req_lock;
	struct eventfd_ctx *req_trigger;
};

static struct vmbus_mdev_vfio *to_vmv(struct vfio_device *vdev)
{
	return container_of(vdev, struct vmbus_mdev_vfio, vdev);
}

static u32 vmv_num_irqs(struct vmbus_mdev_vfio *vmv)
{
	return max_t(u32, vmv->ops->num_irqs, VFIO_PCI_REQ_IRQ_INDEX + 1);
}

static int vmv_open(struct vfio_device *vdev)
{
	struct vmbus_mdev_vfio *vmv = to_vmv(vdev);

	return vmv->ops->open ? vmv->ops->open(vmv->mdev) : 0;
}

static void vmv_set_req_trigger(struct vmbus_mdev_vfio *vmv,
				struct eventfd_ctx *trigger)
{
	mutex_lock(&vmv->req_lock);
	if (vmv->req_trigger)
		eventfd_ctx_put(vmv->req_trigger);
	vmv->req_trigger = trigger;
	mutex_unlock(&vmv->req_lock);
}

static void vmv_close(struct vfio_device *vdev)
{
	struct vmbus_mdev_vfio *vmv = to_vmv(vdev);

	/* A closed device has nobody left to ask; forget the eventfd. */
	vmv_set_req_trigger(vmv, NULL);
	if (vmv->ops->close)
		vmv->ops->close(vmv->mdev);
}

/* Region size and flags, or -EINVAL for an index the device lacks. */
static int vmv_region(struct vmbus_mdev_vfio *vmv, unsigned int index,
		      u64 *size, u32 *flags)
{
	int ret;

	if (index >= vmv->ops->num_regions)
		return -EINVAL;
	*size = 0;
	*flags = 0;
	ret = vmv->ops->region_info(vmv->mdev, index, size, flags);
	if (ret)
		return ret;
	if (!vmv->ops->mmap)
		*flags &= ~VFIO_REGION_INFO_FLAG_MMAP;
	return 0;
}

/*
 * Bounds and shape of one read() or write(). Config space is split into
 * naturally aligned pieces, as a PCI host bridge would, because QEMU reads
 * it in one go; every other region takes single aligned accesses only.
 */
static ssize_t vmv_rw(struct vmbus_mdev_vfio *vmv, char __user *ubuf,
		      size_t count, loff_t *ppos, bool write)
{
	unsigned int index = *ppos >> VMV_OFFSET_SHIFT;
	u64 off = *ppos & VMV_OFFSET_MASK, size;
	size_t done = 0;
	u32 flags;
	int ret;

	ret = vmv_region(vmv, index, &size, &flags);
	if (ret)
		return ret;
	if (!(flags & (write ? VFIO_REGION_INFO_FLAG_WRITE :
			       VFIO_REGION_INFO_FLAG_READ)))
		return -EINVAL;
	if (!count || count > size || off > size - count)
		return -EINVAL;

	if (index != VFIO_PCI_CONFIG_REGION_INDEX &&
	    (!is_power_of_2(count) || count > 8 || !IS_ALIGNED(off, count)))
		return -EINVAL;

	while (done < count) {
		unsigned int len;
		u8 buf[8];

		if (index == VFIO_PCI_CONFIG_REGION_INDEX)
			len = min_t(size_t, count - done,
				    IS_ALIGNED(off, 4) ? 4 :
				    IS_ALIGNED(off, 2) ? 2 : 1);
		else
			len = count;
		if (len == 3)
			len = 2;

		if (write && copy_from_user(buf, ubuf + done, len))
			return done ?: -EFAULT;
		ret = vmv->ops->access(vmv->mdev, index, off, buf, len, write);
		if (ret)
			return done ?: ret;
		if (!write && copy_to_user(ubuf + done, buf, len))
			return done ?: -EFAULT;
		done += len;
		off += len;
	}
	*ppos += done;
	return done;
}

static ssize_t vmv_read(struct vfio_device *vdev, char __user *buf,
			size_t count, loff_t *ppos)
{
	return vmv_rw(to_vmv(vdev), buf, count, ppos, false);
}

static ssize_t vmv_write(struct vfio_device *vdev, const char __user *buf,
			 size_t count, loff_t *ppos)
{
	/* Only read from, never written to, when @write is true. */
	return vmv_rw(to_vmv(vdev), (char __user *)buf, count, ppos, true);
}

static int vmv_mmap(struct vfio_device *vdev, struct vm_area_struct *vma)
{
	struct vmbus_mdev_vfio *vmv = to_vmv(vdev);
	unsigned int index = vma->vm_pgoff >> (VMV_OFFSET_SHIFT - PAGE_SHIFT);
	u64 size;
	u32 flags;
	int ret;

	ret = vmv_region(vmv, index, &size, &flags);
	if (ret)
		return ret;
	if (!(flags & VFIO_REGION_INFO_FLAG_MMAP))
		return -EINVAL;
	return vmv->ops->mmap(vmv->mdev, index, vma);
}

static long vmv_get_info(struct vmbus_mdev_vfio *vmv, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	info.flags = VFIO_DEVICE_FLAGS_PCI;
	if (vmv->ops->reset)
		info.flags |= VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = vmv->ops->num_regions;
	info.num_irqs = vmv_num_irqs(vmv);
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static long vmv_get_region_info(struct vmbus_mdev_vfio *vmv, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_region_info info;
	int ret;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	ret = vmv_region(vmv, info.index, &info.size, &info.flags);
	if (ret)
		return ret;
	info.offset = VMV_INDEX_TO_OFFSET(info.index);
	info.cap_offset = 0;
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static long vmv_get_irq_info(struct vmbus_mdev_vfio *vmv, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;
	int ret;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= vmv_num_irqs(vmv))
		return -EINVAL;

	info.flags = 0;
	info.count = 0;
	if (info.index == VFIO_PCI_REQ_IRQ_INDEX) {
		info.flags = VFIO_IRQ_INFO_EVENTFD;
		info.count = 1;
	} else if (info.index < vmv->ops->num_irqs) {
		ret = vmv->ops->irq_info(vmv->mdev, info.index, &info.count,
					 &info.flags);
		if (ret)
			return ret;
	}
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static void vmv_request_signal(struct vmbus_mdev_vfio *vmv)
{
	mutex_lock(&vmv->req_lock);
	if (vmv->req_trigger)
		eventfd_signal(vmv->req_trigger);
	mutex_unlock(&vmv->req_lock);
}

/* The request index, served here for every vendor. */
static int vmv_set_req(struct vmbus_mdev_vfio *vmv, u32 flags, u32 count,
		       void *data)
{
	struct eventfd_ctx *trigger;
	s32 fd;

	if ((flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) != VFIO_IRQ_SET_ACTION_TRIGGER)
		return -EINVAL;

	switch (flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE:
		if (!count) {
			vmv_set_req_trigger(vmv, NULL);
			return 0;
		}
		/* A loopback test of the eventfd: fire it now. */
		vmv_request_signal(vmv);
		return 0;
	case VFIO_IRQ_SET_DATA_BOOL:
		if (count && *(u8 *)data)
			vmv_request_signal(vmv);
		return 0;
	case VFIO_IRQ_SET_DATA_EVENTFD:
		fd = *(s32 *)data;
		if (fd == -1) {
			vmv_set_req_trigger(vmv, NULL);
			return 0;
		}
		if (fd < 0)
			return -EINVAL;
		trigger = eventfd_ctx_fdget(fd);
		if (IS_ERR(trigger))
			return PTR_ERR(trigger);
		vmv_set_req_trigger(vmv, trigger);
		return 0;
	}
	return -EINVAL;
}

static long vmv_set_irqs(struct vmbus_mdev_vfio *vmv, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	u32 irq_count = 0, irq_flags = 0;
	size_t data_size = 0;
	void *data = NULL;
	int ret;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;
	if (hdr.index >= vmv_num_irqs(vmv))
		return -EINVAL;

	if (hdr.index == VFIO_PCI_REQ_IRQ_INDEX) {
		irq_count = 1;
	} else if (hdr.index < vmv->ops->num_irqs) {
		ret = vmv->ops->irq_info(vmv->mdev, hdr.index, &irq_count,
					 &irq_flags);
		if (ret)
			return ret;
	}
	ret = vfio_set_irqs_validate_and_prepare(&hdr, irq_count,
						 vmv_num_irqs(vmv), &data_size);
	if (ret)
		return ret;
	/* Exactly one action per call. */
	if (hweight32(hdr.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) != 1)
		return -EINVAL;
	/*
	 * Count 0 carries no data: it means "disable the trigger" (DATA_NONE,
	 * ACTION_TRIGGER) and nothing else (vfio-pci also takes a few other
	 * count-0 calls as no-ops). An eventfd or bool call with count 0
	 * passes the validation above with no data, and no handler may be
	 * asked to read what is not there.
	 */
	if (!hdr.count &&
	    hdr.flags != (VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER))
		return -EINVAL;

	if (data_size) {
		data = memdup_user(arg + minsz, data_size);
		if (IS_ERR(data))
			return PTR_ERR(data);
	}

	if (hdr.index == VFIO_PCI_REQ_IRQ_INDEX)
		ret = vmv_set_req(vmv, hdr.flags, hdr.count, data);
	else
		ret = vmv->ops->set_irqs(vmv->mdev, hdr.flags, hdr.index,
					 hdr.start, hdr.count, data);
	kfree(data);
	return ret;
}

static long vmv_ioctl(struct vfio_device *vdev, unsigned int cmd,
		      unsigned long arg)
{
	struct vmbus_mdev_vfio *vmv = to_vmv(vdev);
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return vmv_get_info(vmv, uarg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return vmv_get_region_info(vmv, uarg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return vmv_get_irq_info(vmv, uarg);
	case VFIO_DEVICE_SET_IRQS:
		return vmv_set_irqs(vmv, uarg);
	case VFIO_DEVICE_RESET:
		return vmv->ops->reset ? vmv->ops->reset(vmv->mdev) : -ENOTTY;
	}
	return -ENOTTY;
}

/*
 * Called by vfio_unregister_group_dev() while our remove waits for the
 * holder, first with @count 0 and then again every few seconds.
 */
static void vmv_request(struct vfio_device *vdev, unsigned int count)
{
	struct vmbus_mdev_vfio *vmv = to_vmv(vdev);

	mutex_lock(&vmv->req_lock);
	if (vmv->req_trigger) {
		if (!count)
			dev_info(vdev->dev, "asking the user to release the device\n");
		eventfd_signal(vmv->req_trigger);
	} else if (!count) {
		dev_notice(vdev->dev,
			   "device in use and no request eventfd; waiting for its user to close it\n");
	}
	mutex_unlock(&vmv->req_lock);
}

static void vmv_release(struct vfio_device *vdev)
{
	mutex_destroy(&to_vmv(vdev)->req_lock);
}

static const struct vfio_device_ops vmv_dev_ops = {
	.name		= "vmbus_mdev-vfio",
	.release	= vmv_release,
	.open_device	= vmv_open,
	.close_device	= vmv_close,
	.read		= vmv_read,
	.write		= vmv_write,
	.mmap		= vmv_mmap,
	.ioctl		= vmv_ioctl,
	.request	= vmv_request,
	.bind_iommufd	= vfio_iommufd_emulated_bind,
	.unbind_iommufd	= vfio_iommufd_emulated_unbind,
	.attach_ioas	= vfio_iommufd_emulated_attach_ioas,
	.detach_ioas	= vfio_iommufd_emulated_detach_ioas,
};

static bool vmv_match(struct vmbus_mdev_device *mdev)
{
	return mdev->parent->ops->vfio;
}

static int vmv_probe(struct vmbus_mdev_device *mdev)
{
	const struct vmbus_mdev_vfio_ops *ops = mdev->parent->ops->vfio;
	struct vmbus_mdev_vfio *vmv;
	int ret;

	/* vmv_match() refused vendors without VFIO ops; these are required. */
	if (!ops || !ops->region_info || !ops->access || !ops->irq_info ||
	    !ops->set_irqs)
		return -ENODEV;

	vmv = vfio_alloc_device(vmbus_mdev_vfio, vdev, &mdev->dev, &vmv_dev_ops);
	if (IS_ERR(vmv))
		return PTR_ERR(vmv);
	vmv->mdev = mdev;
	vmv->ops = ops;
	mutex_init(&vmv->req_lock);

	ret = vfio_register_emulated_iommu_dev(&vmv->vdev);
	if (ret) {
		vfio_put_device(&vmv->vdev);
		return ret;
	}
	dev_set_drvdata(&mdev->dev, vmv);
	return 0;
}

static void vmv_remove(struct vmbus_mdev_device *mdev)
{
	struct vmbus_mdev_vfio *vmv = dev_get_drvdata(&mdev->dev);

	/*
	 * Returns once every user has closed the device, asking them through
	 * the request eventfd meanwhile: after this no VFIO call can reach
	 * the vendor, whose remove comes next.
	 */
	vfio_unregister_group_dev(&vmv->vdev);
	dev_set_drvdata(&mdev->dev, NULL);
	vfio_put_device(&vmv->vdev);
}

static const struct vmbus_mdev_device_id vmv_ids[] = {
	{ .device_api = "vfio-pci" },
	{ }
};

static struct vmbus_mdev_driver vmv_driver = {
	.match = vmv_match,
	.probe = vmv_probe,
	.remove = vmv_remove,
	.id_table = vmv_ids,
	.driver.name = "vmbus_mdev_vfio",
};

static int __init vmv_init(void)
{
	return vmbus_mdev_register_driver(&vmv_driver);
}

static void __exit vmv_exit(void)
{
	vmbus_mdev_unregister_driver(&vmv_driver);
}

module_init(vmv_init);
module_exit(vmv_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vmbus_mdev: VFIO bus driver for vfio-pci instances");
MODULE_ALIAS("vmbus_mdev:vfio-pci");
