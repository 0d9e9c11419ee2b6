// SPDX-License-Identifier: GPL-2.0
/*
 * Azure Blob VSP wire format: building request packets and checking
 * completions. Pure functions on already pinned pages, so KUnit can check
 * every byte; see azblob_wire.h for the layout.
 */
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "azblob_wire.h"

/**
 * azblob_buf_pages() - guest pages a user buffer spans
 * @uaddr: its start
 * @len: its length
 * @page_shift: the guest's page shift, PAGE_SHIFT but in tests
 *
 * Return: the number of pages, 0 for an empty buffer.
 */
unsigned int azblob_buf_pages(unsigned long uaddr, u32 len,
			      unsigned int page_shift)
{
	unsigned long size = 1UL << page_shift;

	if (!len)
		return 0;
	return DIV_ROUND_UP((uaddr & (size - 1)) + (unsigned long)len, size);
}
EXPORT_SYMBOL_IF_KUNIT(azblob_buf_pages);

/**
 * azblob_hv_pages() - Hyper-V pages a user buffer spans
 * @uaddr: its start
 * @len: its length
 *
 * The host counts in HV_HYP_PAGE_SIZE (4 KiB) pages whatever the guest's
 * page size, and so do the packet's PFN list and AZBLOB_MAX_PAGES.
 *
 * Return: the number of Hyper-V pages, 0 for an empty buffer.
 */
unsigned int azblob_hv_pages(unsigned long uaddr, u32 len)
{
	return azblob_buf_pages(uaddr, len, HV_HYP_PAGE_SHIFT);
}
EXPORT_SYMBOL_IF_KUNIT(azblob_hv_pages);

/*
 * List @b's Hyper-V pages from pfn_array[*n] on: only those the buffer
 * touches, each guest page split into its 4 KiB pieces.
 */
static void azblob_list_hv_pages(u64 *pfn_array, unsigned int *n,
				 const struct azblob_wire_buf *b,
				 unsigned int page_shift)
{
	unsigned int per_page_shift = page_shift - HV_HYP_PAGE_SHIFT;
	unsigned long first = (b->uaddr & ((1UL << page_shift) - 1)) >>
			      HV_HYP_PAGE_SHIFT;
	unsigned int i, nr = azblob_hv_pages(b->uaddr, b->len);

	for (i = 0; i < nr; i++) {
		unsigned long idx = first + i;
		u64 pfn = page_to_pfn(b->pages[idx >> per_page_shift]);

		pfn_array[(*n)++] = (pfn << per_page_shift) +
				    (idx & ((1UL << per_page_shift) - 1));
	}
}

/**
 * azblob_build_packet() - describe a request for the host
 * @pkt: filled in; free with azblob_free_packet()
 * @bufs: AZBLOB_NR_BUFS buffers (data, request, response) with their
 *	pinned guest pages
 * @page_shift: the guest's page shift: PAGE_SHIFT, or in tests a larger
 *	one, to check 16 and 64 KiB guest pages on x86
 * @timeout_ms: the caller's timeout, passed to the host
 * @data_valid: bytes of the data buffer that hold data
 * @txid: the caller's transaction id
 *
 * The page range lists, in Hyper-V pages, the ones each buffer touches,
 * buffer after buffer. Each buffer's offset in the packet is its start
 * within its first Hyper-V page plus the size of the Hyper-V pages
 * listed before it, so buffers that share a page list that page twice.
 *
 * Return: 0, -EINVAL for a buffer whose page count does not match its
 * span, or more than AZBLOB_MAX_PAGES Hyper-V pages in all, or -ENOMEM.
 */
int azblob_build_packet(struct azblob_packet *pkt,
			const struct azblob_wire_buf *bufs,
			unsigned int page_shift, u32 timeout_ms, u32 data_valid,
			const guid_t *txid)
{
	__le32 *offset[AZBLOB_NR_BUFS] = {
		[AZBLOB_BUF_DATA] = &pkt->req.data_buffer_offset,
		[AZBLOB_BUF_REQUEST] = &pkt->req.request_buffer_offset,
		[AZBLOB_BUF_RESPONSE] = &pkt->req.response_buffer_offset,
	};
	__le32 *length[AZBLOB_NR_BUFS] = {
		[AZBLOB_BUF_DATA] = &pkt->req.data_buffer_length,
		[AZBLOB_BUF_REQUEST] = &pkt->req.request_buffer_length,
		[AZBLOB_BUF_RESPONSE] = &pkt->req.response_buffer_length,
	};
	unsigned int i, total = 0, n = 0;

	if (page_shift < HV_HYP_PAGE_SHIFT)
		return -EINVAL;
	for (i = 0; i < AZBLOB_NR_BUFS; i++) {
		if (bufs[i].nr_pages !=
		    azblob_buf_pages(bufs[i].uaddr, bufs[i].len, page_shift))
			return -EINVAL;
		total += azblob_hv_pages(bufs[i].uaddr, bufs[i].len);
	}
	if (!total || total > AZBLOB_MAX_PAGES)
		return -EINVAL;

	pkt->desc_size = struct_size(pkt->desc, range.pfn_array, total);
	pkt->desc = kvzalloc(pkt->desc_size, GFP_KERNEL);
	if (!pkt->desc)
		return -ENOMEM;

	/* Since 6.12 vmbus_sendpacket_mpb_desc() leaves this to the caller. */
	pkt->desc->rangecount = 1;
	pkt->desc->range.offset = 0;
	pkt->desc->range.len = total * HV_HYP_PAGE_SIZE;

	memset(&pkt->req, 0, sizeof(pkt->req));
	for (i = 0; i < AZBLOB_NR_BUFS; i++) {
		if (!bufs[i].len)
			continue;	/* offset and length stay 0 */
		*offset[i] = cpu_to_le32(n * HV_HYP_PAGE_SIZE +
					 offset_in_hvpage(bufs[i].uaddr));
		*length[i] = cpu_to_le32(bufs[i].len);
		azblob_list_hv_pages(pkt->desc->range.pfn_array, &n, &bufs[i],
				     page_shift);
	}

	pkt->req.version = cpu_to_le32(AZBLOB_PROTOCOL_VERSION);
	pkt->req.timeout_ms = cpu_to_le32(timeout_ms);
	pkt->req.data_buffer_valid = cpu_to_le32(bufs[AZBLOB_BUF_DATA].len ?
						 data_valid : 0);
	pkt->req.operation_type = cpu_to_le32(AZBLOB_OP_USER_REQUEST);
	guid_copy(&pkt->req.transaction_id, txid);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(azblob_build_packet);

/**
 * azblob_free_packet() - free what azblob_build_packet() allocated
 * @pkt: the packet; may be unbuilt (zeroed)
 */
void azblob_free_packet(struct azblob_packet *pkt)
{
	kvfree(pkt->desc);
	pkt->desc = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(azblob_free_packet);

/**
 * azblob_parse_completion() - check the host's answer to one request
 * @payload: the completion packet's payload (after the VMBus header)
 * @len: its size in bytes
 * @response_cap: size of the request's response buffer
 * @answer: the status and response length, when valid
 *
 * Nothing in the packet is trusted: a short packet or a response length
 * beyond the response buffer is rejected.
 *
 * Return: 0, -EBADMSG for a short packet, -EMSGSIZE for a response that
 * cannot have fit.
 */
int azblob_parse_completion(const void *payload, u32 len, u32 response_cap,
			    struct azblob_answer *answer)
{
	struct azblob_completion c;

	if (len < sizeof(c))
		return -EBADMSG;
	memcpy(&c, payload, sizeof(c));
	if (le32_to_cpu(c.response_len) > response_cap)
		return -EMSGSIZE;
	answer->status = le32_to_cpu(c.error);
	answer->response_len = le32_to_cpu(c.response_len);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(azblob_parse_completion);
