/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio-client's exit status, for the programs that run it and count its
 * results (mdev-stress): 0 when every check passed; VFIO_CLIENT_OPEN +
 * errno when the device could not be opened (gone, or going, under a
 * racing remove or unbind); VFIO_CLIENT_NO_REQUEST when a hold saw no
 * request (nothing removed the device meanwhile); 1 otherwise.
 */
#ifndef VFIO_CLIENT_H
#define VFIO_CLIENT_H

#define VFIO_CLIENT_NO_REQUEST	4
#define VFIO_CLIENT_OPEN	100

#endif
