/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Azure Blob VSP wire format: what goes into the VMBus ring.
 *
 * A request is one GPA-direct packet with completion requested: a single
 * page range listing the data, request and response pages (in that order)
 * in Hyper-V pages of 4 KiB whatever the guest's page size, followed by
 * struct azblob_inline_request. The host answers with struct
 * azblob_completion. Everything is little-endian and packed; the byte
 * table is in Documentation/driver-api/azure_blob.rst.
 */
#ifndef _AZBLOB_WIRE_H
#define _AZBLOB_WIRE_H

#include <linux/build_bug.h>
#include <linux/hyperv.h>
#include <linux/types.h>
#include <linux/uuid.h>

#define AZBLOB_PROTOCOL_VERSION	0
#define AZBLOB_OP_USER_REQUEST	0x100
#define AZBLOB_MAX_BUF_LEN	(32U << 20)	/* per buffer */
#define AZBLOB_MAX_PAGES	8192		/* Hyper-V pages, all three buffers */

/* The order of the buffers in the packet's PFN list. */
enum azblob_buf_index {
	AZBLOB_BUF_DATA,
	AZBLOB_BUF_REQUEST,
	AZBLOB_BUF_RESPONSE,
	AZBLOB_NR_BUFS,
};

/*
 * The 2021 protocol's inline request. Each offset counts bytes from the
 * start of the packet's page range: the buffer's start in its first
 * Hyper-V page plus the Hyper-V pages listed before it. Without a data
 * buffer the three data fields are 0.
 */
struct azblob_inline_request {
	__le32 version;
	__le32 timeout_ms;
	__le32 data_buffer_offset;
	__le32 data_buffer_length;
	__le32 data_buffer_valid;
	__le32 operation_type;
	__le32 request_buffer_offset;
	__le32 request_buffer_length;
	__le32 response_buffer_offset;
	__le32 response_buffer_length;
	guid_t transaction_id;
} __packed;
static_assert(sizeof(struct azblob_inline_request) == 56);
static_assert(offsetof(struct azblob_inline_request, data_buffer_offset) == 8);
static_assert(offsetof(struct azblob_inline_request, operation_type) == 20);
static_assert(offsetof(struct azblob_inline_request, request_buffer_offset) == 24);
static_assert(offsetof(struct azblob_inline_request, response_buffer_offset) == 32);
static_assert(offsetof(struct azblob_inline_request, transaction_id) == 40);

struct azblob_completion {
	__le32 length;
	__le32 error;		/* the host's status, returned to user space */
	__le32 response_len;
} __packed;
static_assert(sizeof(struct azblob_completion) == 12);

/* One user buffer and its pinned guest pages, from the one holding @uaddr. */
struct azblob_wire_buf {
	unsigned long uaddr;
	u32 len;
	unsigned int nr_pages;
	struct page **pages;
};

/* A built packet: descriptor (with its PFN list) and inline request. */
struct azblob_packet {
	struct vmbus_packet_mpb_array *desc;
	u32 desc_size;
	struct azblob_inline_request req;
};

struct azblob_answer {
	u32 status;
	u32 response_len;
};

unsigned int azblob_buf_pages(unsigned long uaddr, u32 len,
			      unsigned int page_shift);
unsigned int azblob_hv_pages(unsigned long uaddr, u32 len);
int azblob_build_packet(struct azblob_packet *pkt,
			const struct azblob_wire_buf *bufs,
			unsigned int page_shift, u32 timeout_ms, u32 data_valid,
			const guid_t *txid);
void azblob_free_packet(struct azblob_packet *pkt);
int azblob_parse_completion(const void *payload, u32 len, u32 response_cap,
			    struct azblob_answer *answer);

#endif /* _AZBLOB_WIRE_H */
