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
 * azblob_buf_pages() - pages a user buffer spans
 * @uaddr: its start
 * @len: its length
 *
 * Return: the number of pages, 0 for an empty buffer.
 */
unsigned int azblob_buf_pages(unsigned long uaddr, u32 len)
{
	if (!len)
		return 0;
	return DIV_ROUND_UP(offset_in_page(uaddr) + (unsigned long)len, PAGE_SIZE);
}
EXPORT_SYMBOL_IF_KUNIT(azblob_buf_pages);

/**
 * azblob_build_packet() - describe a request for the host
 * @pkt: filled in; free with azblob_free_packet()
 * @bufs: AZBLOB_NR_BUFS buffers (data, request, response) with their
 *	pinned pages
 * @timeout_ms: the caller's timeout, passed to the host
 * @data_valid: bytes of the data buffer that hold data
 * @txid: the caller's transaction id
 *
 * Each buffer's offset in the packet is its start within its first page
 * plus the size of the pages listed before it, so buffers that share a
 * page simply list that page twice.
 *
 * Return: 0, -EINVAL for more than AZBLOB_MAX_PAGES pages, or -ENOMEM.
 */
int azblob_build_packet(struct azblob_packet *pkt,
			const struct azblob_wire_buf *bufs,
			u32 timeout_ms, u32 data_valid, const guid_t *txid)
{
	struct azblob_wire_range *range[AZBLOB_NR_BUFS] = {
		[AZBLOB_BUF_DATA] = &pkt->req.data,
		[AZBLOB_BUF_REQUEST] = &pkt->req.request,
		[AZBLOB_BUF_RESPONSE] = &pkt->req.response,
	};
	unsigned int i, p, total = 0, n = 0;

	for (i = 0; i < AZBLOB_NR_BUFS; i++)
		total += bufs[i].nr_pages;
	if (!total || total > AZBLOB_MAX_PAGES)
		return -EINVAL;

	pkt->desc_size = struct_size(pkt->desc, range.pfn_array, total);
	pkt->desc = kvzalloc(pkt->desc_size, GFP_KERNEL);
	if (!pkt->desc)
		return -ENOMEM;

	/* Since 6.12 vmbus_sendpacket_mpb_desc() leaves this to the caller. */
	pkt->desc->rangecount = 1;
	pkt->desc->range.offset = 0;
	pkt->desc->range.len = total * PAGE_SIZE;

	for (i = 0; i < AZBLOB_NR_BUFS; i++) {
		u32 start = bufs[i].nr_pages ? offset_in_page(bufs[i].uaddr) : 0;

		range[i]->offset = cpu_to_le32(n * PAGE_SIZE + start);
		range[i]->length = cpu_to_le32(bufs[i].len);
		for (p = 0; p < bufs[i].nr_pages; p++)
			pkt->desc->range.pfn_array[n++] =
				page_to_hvpfn(bufs[i].pages[p]);
	}

	pkt->req.version = cpu_to_le32(AZBLOB_PROTOCOL_VERSION);
	pkt->req.timeout_ms = cpu_to_le32(timeout_ms);
	pkt->req.data_valid = cpu_to_le32(data_valid);
	pkt->req.operation = cpu_to_le32(AZBLOB_OP_USER_REQUEST);
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
