/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio-dev.h: open a VFIO device as QEMU does, from its sysfs directory:
 * the iommu_group link, /dev/vfio/vfio, /dev/vfio/N attached to a type1
 * container, then VFIO_GROUP_GET_DEVICE_FD with the device's name. For
 * the test programs (vfio-client, vfio-fuzz).
 */
#ifndef VFIO_DEV_H
#define VFIO_DEV_H

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

/* Where region @i starts in the device fd (vfio-pci's layout). */
#define REGION_OFFSET(i)	((uint64_t)(i) << 40)

struct vdev {
	int container, group, fd;
	unsigned int ports;
};

/*
 * Container, group and device fds from the device's sysfs directory; 0,
 * or -errno with @what naming the step that failed and nothing left open.
 */
static int vdev_try_open(struct vdev *v, const char *sysfsdev,
			 const char **what)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[PATH_MAX], link[PATH_MAX], name[PATH_MAX];
	ssize_t n;
	int err;

	v->container = -1;
	v->group = -1;
	v->fd = -1;
	snprintf(path, sizeof(path), "%s/iommu_group", sysfsdev);
	*what = "iommu_group link";
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		goto fail;
	link[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", basename(link));
	snprintf(name, sizeof(name), "%s", sysfsdev);

	*what = "open /dev/vfio/vfio";
	v->container = open("/dev/vfio/vfio", O_RDWR);
	if (v->container < 0)
		goto fail;
	*what = "VFIO API version";
	errno = EPROTO;
	if (ioctl(v->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		goto fail;
	*what = "type1 IOMMU support";
	errno = EPROTO;
	if (ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) <= 0)
		goto fail;
	*what = "open the group";
	v->group = open(path, O_RDWR);
	if (v->group < 0)
		goto fail;
	*what = "group not viable";
	if (ioctl(v->group, VFIO_GROUP_GET_STATUS, &status))
		goto fail;
	errno = EPROTO;
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		goto fail;
	*what = "VFIO_GROUP_SET_CONTAINER";
	if (ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container))
		goto fail;
	*what = "VFIO_SET_IOMMU";
	if (ioctl(v->container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU))
		goto fail;
	*what = "VFIO_GROUP_GET_DEVICE_FD";
	v->fd = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, basename(name));
	if (v->fd < 0)
		goto fail;
	return 0;
fail:
	err = errno;
	if (v->group >= 0)
		close(v->group);
	if (v->container >= 0)
		close(v->container);
	return -err;
}

static void vdev_close(struct vdev *v)
{
	close(v->fd);
	close(v->group);
	close(v->container);
}

#endif /* VFIO_DEV_H */
