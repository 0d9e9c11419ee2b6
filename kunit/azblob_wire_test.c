// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the Azure Blob wire format, byte by byte. Packets are built from
 * real pages so that the PFNs are the ones the host would see.
 */
#include <kunit/test.h>
#include <linux/mm.h>

#include "../drivers/vmbus_mdev/azblob_wire.h"

#define AW_PAGES 8

struct aw {
	struct page *pages[AW_PAGES];
	struct azblob_wire_buf bufs[AZBLOB_NR_BUFS];
	struct azblob_packet pkt;
};

static const guid_t aw_txid = GUID_INIT(0x01020304, 0x0506, 0x0708, 0x09, 0x0a,
					0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10);

static int aw_init(struct kunit *test)
{
	struct aw *aw = kunit_kzalloc(test, sizeof(*aw), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, aw);
	for (i = 0; i < AW_PAGES; i++) {
		aw->pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, aw->pages[i]);
	}
	test->priv = aw;
	return 0;
}

static void aw_exit(struct kunit *test)
{
	struct aw *aw = test->priv;
	int i;

	azblob_free_packet(&aw->pkt);
	for (i = 0; i < AW_PAGES; i++)
		if (aw->pages[i])
			__free_page(aw->pages[i]);
}

/* Describe a buffer at @uaddr of @len bytes backed by pages[first...]. */
static void aw_buf(struct aw *aw, int idx, unsigned long uaddr, u32 len,
		   int first)
{
	struct azblob_wire_buf *b = &aw->bufs[idx];

	b->uaddr = uaddr;
	b->len = len;
	b->nr_pages = azblob_buf_pages(uaddr, len);
	b->pages = &aw->pages[first];
}

static void wire_buf_pages(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, azblob_buf_pages(0x1000, 0), 0);
	KUNIT_EXPECT_EQ(test, azblob_buf_pages(0x1000, 1), 1);
	KUNIT_EXPECT_EQ(test, azblob_buf_pages(0x1fff, 1), 1);
	KUNIT_EXPECT_EQ(test, azblob_buf_pages(0x1fff, 2), 2);
	KUNIT_EXPECT_EQ(test, azblob_buf_pages(0x1000, PAGE_SIZE), 1);
	KUNIT_EXPECT_EQ(test, azblob_buf_pages(0x1001, PAGE_SIZE), 2);
	KUNIT_EXPECT_EQ(test, azblob_buf_pages(0x1000, 32U << 20), 8192);
}

/* PFN order data, request, response; offsets count the pages before. */
static void wire_pfn_order_and_offsets(struct kunit *test)
{
	struct aw *aw = test->priv;
	struct vmbus_packet_mpb_array *d;

	aw_buf(aw, AZBLOB_BUF_DATA, 0x10000 + 100, PAGE_SIZE, 0);	/* 2 pages */
	aw_buf(aw, AZBLOB_BUF_REQUEST, 0x20000 + 7, 10, 2);		/* 1 page */
	aw_buf(aw, AZBLOB_BUF_RESPONSE, 0x30000 + 4000, 200, 3);	/* 2 pages */
	KUNIT_ASSERT_EQ(test, azblob_build_packet(&aw->pkt, aw->bufs, 500, 50,
						  &aw_txid), 0);
	d = aw->pkt.desc;
	KUNIT_EXPECT_EQ(test, d->rangecount, 1);
	KUNIT_EXPECT_EQ(test, d->range.offset, 0);
	KUNIT_EXPECT_EQ(test, d->range.len, 5 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, aw->pkt.desc_size,
			sizeof(*d) + 5 * sizeof(u64));
	KUNIT_EXPECT_EQ(test, d->range.pfn_array[0], page_to_hvpfn(aw->pages[0]));
	KUNIT_EXPECT_EQ(test, d->range.pfn_array[1], page_to_hvpfn(aw->pages[1]));
	KUNIT_EXPECT_EQ(test, d->range.pfn_array[2], page_to_hvpfn(aw->pages[2]));
	KUNIT_EXPECT_EQ(test, d->range.pfn_array[3], page_to_hvpfn(aw->pages[3]));
	KUNIT_EXPECT_EQ(test, d->range.pfn_array[4], page_to_hvpfn(aw->pages[4]));

	KUNIT_EXPECT_EQ(test, le32_to_cpu(aw->pkt.req.data.offset), 100);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(aw->pkt.req.data.length), PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(aw->pkt.req.request.offset),
			2 * PAGE_SIZE + 7);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(aw->pkt.req.request.length), 10);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(aw->pkt.req.response.offset),
			3 * PAGE_SIZE + 4000);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(aw->pkt.req.response.length), 200);
}

/* Buffers sharing one page list it once per buffer. */
static void wire_shared_page(struct kunit *test)
{
	struct aw *aw = test->priv;
	struct vmbus_packet_mpb_array *d;

	aw_buf(aw, AZBLOB_BUF_DATA, 0x5000, 0, 0);		/* no data */
	aw_buf(aw, AZBLOB_BUF_REQUEST, 0x5000 + 16, 16, 0);
	aw_buf(aw, AZBLOB_BUF_RESPONSE, 0x5000 + 32, 64, 0);	/* same page */
	KUNIT_ASSERT_EQ(test, azblob_build_packet(&aw->pkt, aw->bufs, 0, 0,
						  &aw_txid), 0);
	d = aw->pkt.desc;
	KUNIT_EXPECT_EQ(test, d->range.len, 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, d->range.pfn_array[0], d->range.pfn_array[1]);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(aw->pkt.req.data.offset), 0);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(aw->pkt.req.data.length), 0);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(aw->pkt.req.request.offset), 16);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(aw->pkt.req.response.offset),
			PAGE_SIZE + 32);
}

/* The 56-byte inline request, byte by byte. */
static void wire_inline_layout(struct kunit *test)
{
	static const u8 want[56] = {
		0, 0, 0, 0,			/* version */
		0xf4, 0x01, 0, 0,		/* timeout 500 ms */
		0x07, 0x20, 0, 0, 10, 0, 0, 0,	/* request: 0x2007, 10 */
		0xa0, 0x3f, 0, 0, 200, 0, 0, 0,	/* response: 0x3fa0, 200 */
		0x64, 0, 0, 0, 0, 0x10, 0, 0,	/* data: 100, 4096 */
		50, 0, 0, 0,			/* data_valid */
		0x00, 0x01, 0, 0,		/* operation 0x100 */
		0x04, 0x03, 0x02, 0x01, 0x06, 0x05, 0x08, 0x07,
		0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
	};
	struct aw *aw = test->priv;

	aw_buf(aw, AZBLOB_BUF_DATA, 0x10000 + 100, PAGE_SIZE, 0);
	aw_buf(aw, AZBLOB_BUF_REQUEST, 0x20000 + 7, 10, 2);
	aw_buf(aw, AZBLOB_BUF_RESPONSE, 0x30000 + 4000, 200, 3);
	KUNIT_ASSERT_EQ(test, azblob_build_packet(&aw->pkt, aw->bufs, 500, 50,
						  &aw_txid), 0);
	KUNIT_EXPECT_MEMEQ(test, &aw->pkt.req, want, sizeof(want));
}

static void wire_rejects_page_counts(struct kunit *test)
{
	struct aw *aw = test->priv;

	KUNIT_EXPECT_EQ(test, azblob_build_packet(&aw->pkt, aw->bufs, 0, 0,
						  &aw_txid), -EINVAL);
	aw->bufs[AZBLOB_BUF_DATA].nr_pages = 8190;
	aw->bufs[AZBLOB_BUF_REQUEST].nr_pages = 2;
	aw->bufs[AZBLOB_BUF_RESPONSE].nr_pages = 1;
	KUNIT_EXPECT_EQ(test, azblob_build_packet(&aw->pkt, aw->bufs, 0, 0,
						  &aw_txid), -EINVAL);
	KUNIT_EXPECT_NULL(test, aw->pkt.desc);
}

static void wire_completion_parsing(struct kunit *test)
{
	struct azblob_completion c = {
		.length = cpu_to_le32(12),
		.error = cpu_to_le32(7),
		.response_len = cpu_to_le32(100),
	};
	struct azblob_answer a = { };
	u8 big[32] = { };

	KUNIT_EXPECT_EQ(test, azblob_parse_completion(&c, sizeof(c), 100, &a), 0);
	KUNIT_EXPECT_EQ(test, a.status, 7);
	KUNIT_EXPECT_EQ(test, a.response_len, 100);
	/* Short packets, at every length below the structure. */
	KUNIT_EXPECT_EQ(test, azblob_parse_completion(&c, 0, 100, &a), -EBADMSG);
	KUNIT_EXPECT_EQ(test, azblob_parse_completion(&c, 11, 100, &a), -EBADMSG);
	/* A response that cannot have fit the buffer. */
	KUNIT_EXPECT_EQ(test, azblob_parse_completion(&c, sizeof(c), 99, &a),
			-EMSGSIZE);
	c.response_len = cpu_to_le32(U32_MAX);
	KUNIT_EXPECT_EQ(test, azblob_parse_completion(&c, sizeof(c), 100, &a),
			-EMSGSIZE);
	/* Longer packets are fine: trailing bytes are ignored. */
	memcpy(big, &c, sizeof(c));
	((struct azblob_completion *)big)->response_len = cpu_to_le32(0);
	KUNIT_EXPECT_EQ(test, azblob_parse_completion(big, sizeof(big), 100, &a), 0);
	KUNIT_EXPECT_EQ(test, a.response_len, 0);
}

static struct kunit_case wire_cases[] = {
	KUNIT_CASE(wire_buf_pages),
	KUNIT_CASE(wire_pfn_order_and_offsets),
	KUNIT_CASE(wire_shared_page),
	KUNIT_CASE(wire_inline_layout),
	KUNIT_CASE(wire_rejects_page_counts),
	KUNIT_CASE(wire_completion_parsing),
	{}
};

static struct kunit_suite wire_suite = {
	.name = "azblob_wire",
	.init = aw_init,
	.exit = aw_exit,
	.test_cases = wire_cases,
};

kunit_test_suite(wire_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for the Azure Blob wire format");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
