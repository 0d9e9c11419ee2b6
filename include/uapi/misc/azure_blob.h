/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Azure Blob device: a host process sends Blob storage requests to the
 * Hyper-V host through its vmbus_mdev instance node, /dev/azure_blob/<uuid>.
 *
 * Binary-compatible with the clients of the 2021 driver: same ioctl number
 * (0xC04852F0), same 72-byte layout on i386 and x86_64. The hole before
 * request_buffer is now the explicit field "reserved", which is ignored:
 * 2021 clients may leave it uninitialised.
 *
 * Each instance may have a number of requests in flight set by its type
 * (its quota). At the quota the ioctl waits for one of them to finish, or
 * fails with EAGAIN if the node was opened O_NONBLOCK. A signal that
 * arrives while it waits for a slot (or for room in the channel's ring)
 * restarts the ioctl once handled, whatever SA_RESTART says: nothing was
 * sent yet. The wait for the host's answer ends only on a fatal signal,
 * the timeout, or the node's removal.
 */
#ifndef _UAPI_MISC_AZURE_BLOB_H
#define _UAPI_MISC_AZURE_BLOB_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * struct az_blob_request_sync_response - what the host answered
 * @status: the host's status for the request (0 is success); not an errno
 * @response_len: bytes the host wrote to the response buffer
 */
struct az_blob_request_sync_response {
	__u32 status;
	__u32 response_len;
};

/**
 * struct az_blob_request_sync - one request, sent and waited for
 * @guid: transaction id chosen by the caller, passed to the host as is
 * @timeout: milliseconds to wait for the host (for room in the channel's
 *	ring, and then for the answer, each; the driver adds a grace of 1 s);
 *	0 waits without a limit
 * @request_len: bytes of the request in @request_buffer; not 0
 * @response_len: size of @response_buffer; not 0
 * @data_len: size of @data_buffer; may be 0
 * @data_valid: bytes of @data_buffer that hold data for the host;
 *	at most @data_len. The host may write all @data_len bytes.
 * @reserved: ignored; set it to 0
 * @request_buffer: user address of the request, read by the host
 * @response_buffer: user address the host writes its response to
 * @data_buffer: user address of the data, read and written by the host
 * @response: filled in when the ioctl returns 0
 *
 * No alignment is required, and the buffers may share pages. Each length
 * is at most 32 MiB and all three together span at most 8192 pages of 4 KiB.
 * Their pages stay pinned while the host has them, charged to the caller's
 * user against RLIMIT_MEMLOCK (unless it has CAP_IPC_LOCK): beyond it,
 * ENOMEM.
 */
struct az_blob_request_sync {
	__u8 guid[16];
	__u32 timeout;
	__u32 request_len;
	__u32 response_len;
	__u32 data_len;
	__u32 data_valid;
	__u32 reserved;
	__aligned_u64 request_buffer;
	__aligned_u64 response_buffer;
	__aligned_u64 data_buffer;
	struct az_blob_request_sync_response response;
};

#define AZ_BLOB_MAGIC_NUMBER	'R'
#define IOCTL_AZ_BLOB_DRIVER_USER_REQUEST \
	_IOWR(AZ_BLOB_MAGIC_NUMBER, 0xf0, struct az_blob_request_sync)

#endif /* _UAPI_MISC_AZURE_BLOB_H */
