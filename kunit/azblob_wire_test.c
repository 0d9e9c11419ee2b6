// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the Azure Blob wire format, byte by byte. Packets are built from
 * real pages so that the PFNs are the ones the host would see.
 */
#include <kunit/test.h>
#include <linux/mm.h>

#include "azblob_wire.h"

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

/*
 * Describe a buffer at @uaddr of @len bytes backed by pages[first...],
 * as guest pages of 1 << @shift bytes.
 */
static void aw_buf(struct aw *aw, int idx, unsigned long uaddr, u32 len,
		   int first, unsigned int shift)
{
	struct azblob_wire_buf *b = &aw->bufs[idx];

	b->uaddr = uaddr;
	b->len = len;
	b->nr_pages = azblob_buf_pages(uaddr, len, shift);
	b->pages = &aw->pages[first];
}

/*
 * The protocol's numbers, written here and not taken from the driver's
 * header: the inline request's u32 at byte @off, little-endian.
 */
static u32 aw_u32(const struct aw *aw, unsigned int off)
{
	const u8 *b = (const u8 *)&aw->pkt.req + off;

	return b[0] | b[1] << 8 | b[2] << 16 | (u32)b[3] << 24;
}

#define AW_VERSION	0
#define AW_TIMEOUT	4
#define AW_DATA_OFF	8
#define AW_DATA_LEN	12
#define AW_DATA_VALID	16
#define AW_OPERATION	20
#define AW_REQ_OFF	24
#define AW_REQ_LEN	28
#define AW_RESP_OFF	32
#define AW_RESP_LEN	36
#define AW_TXID		40
#define AW_INLINE_SIZE	56
#define AW_HV_PAGE	4096

/* The Hyper-V PFN of 4 KiB piece @k of guest page @p of 1 << @shift bytes. */
static u64 aw_hvpfn(struct page *p, unsigned int shift, unsigned int k)
{
	return ((u64)page_to_pfn(p) << (shift - 12)) + k;
}

static void wire_buf_pages(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, azblob_buf_pages(0x1000, 0, 12), 0);
	KUNIT_EXPECT_EQ(test, azblob_buf_pages(0x1000, 1, 12), 1);
	KUNIT_EXPECT_EQ(test, azblob_buf_pages(0x1fff, 1, 12), 1);
	KUNIT_EXPECT_EQ(test, azblob_buf_pages(0x1fff, 2, 12), 2);
	KUNIT_EXPECT_EQ(test, azblob_buf_pages(0x1000, 4096, 12), 1);
	KUNIT_EXPECT_EQ(test, azblob_buf_pages(0x1001, 4096, 12), 2);
	KUNIT_EXPECT_EQ(test, azblob_buf_pages(0x1000, 32U << 20, 12), 8192);
	/* 64 KiB guest pages: one page holds 16 Hyper-V pages. */
	KUNIT_EXPECT_EQ(test, azblob_buf_pages(0x1f000, 8192, 16), 2);
	KUNIT_EXPECT_EQ(test, azblob_hv_pages(0x1f000, 8192), 2);
	KUNIT_EXPECT_EQ(test, azblob_hv_pages(0x1f00a, 8192), 3);
	KUNIT_EXPECT_EQ(test, azblob_hv_pages(0x1f00a, 0), 0);
}

/*
 * The 56-byte inline request at its protocol offsets, for a request with
 * a data buffer and unaligned starts: data first in the page list (two
 * pages), then the request (one), then the response (two).
 */
static void wire_inline_layout(struct kunit *test)
{
	static const u8 want[AW_INLINE_SIZE] = {
		0, 0, 0, 0,			/*  0 version */
		0xf4, 0x01, 0, 0,		/*  4 timeout_ms 500 */
		0x64, 0, 0, 0,			/*  8 data offset 100 */
		0x00, 0x10, 0, 0,		/* 12 data length 4096 */
		50, 0, 0, 0,			/* 16 data valid 50 */
		0x00, 0x01, 0, 0,		/* 20 operation 0x100 */
		0x07, 0x20, 0, 0,		/* 24 request offset 0x2007 */
		10, 0, 0, 0,			/* 28 request length 10 */
		0xa0, 0x3f, 0, 0,		/* 32 response offset 0x3fa0 */
		200, 0, 0, 0,			/* 36 response length 200 */
		0x04, 0x03, 0x02, 0x01, 0x06, 0x05, 0x08, 0x07,	/* 40 txid */
		0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
	};
	struct aw *aw = test->priv;
	struct vmbus_packet_mpb_array *d;
	int i;

	aw_buf(aw, AZBLOB_BUF_DATA, 0x10000 + 100, 4096, 0, 12);
	aw_buf(aw, AZBLOB_BUF_REQUEST, 0x20000 + 7, 10, 2, 12);
	aw_buf(aw, AZBLOB_BUF_RESPONSE, 0x30000 + 4000, 200, 3, 12);
	KUNIT_ASSERT_EQ(test, azblob_build_packet(&aw->pkt, aw->bufs, 12, 500,
						  50, &aw_txid), 0);
	KUNIT_EXPECT_EQ(test, sizeof(aw->pkt.req), AW_INLINE_SIZE);
	KUNIT_EXPECT_MEMEQ(test, &aw->pkt.req, want, sizeof(want));
	KUNIT_EXPECT_EQ(test, aw_u32(aw, AW_OPERATION), 0x100);
	KUNIT_EXPECT_EQ(test, aw_u32(aw, AW_DATA_OFF), 100);
	KUNIT_EXPECT_EQ(test, aw_u32(aw, AW_REQ_OFF), 2 * AW_HV_PAGE + 7);
	KUNIT_EXPECT_EQ(test, aw_u32(aw, AW_RESP_OFF), 3 * AW_HV_PAGE + 4000);

	d = aw->pkt.desc;
	KUNIT_EXPECT_EQ(test, d->rangecount, 1);
	KUNIT_EXPECT_EQ(test, d->range.offset, 0);
	KUNIT_EXPECT_EQ(test, d->range.len, 5 * AW_HV_PAGE);
	KUNIT_EXPECT_EQ(test, aw->pkt.desc_size, sizeof(*d) + 5 * sizeof(u64));
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_EQ(test, d->range.pfn_array[i],
				aw_hvpfn(aw->pages[i], 12, 0));
}

/* No data buffer: the three data fields are 0, the request comes first. */
static void wire_without_data(struct kunit *test)
{
	struct aw *aw = test->priv;
	struct vmbus_packet_mpb_array *d;

	aw_buf(aw, AZBLOB_BUF_DATA, 0x7000 + 5, 0, 0, 12);
	aw_buf(aw, AZBLOB_BUF_REQUEST, 0x20000 + 7, 10, 2, 12);
	aw_buf(aw, AZBLOB_BUF_RESPONSE, 0x30000 + 4000, 200, 3, 12);
	KUNIT_ASSERT_EQ(test, azblob_build_packet(&aw->pkt, aw->bufs, 12, 0,
						  0, &aw_txid), 0);
	KUNIT_EXPECT_EQ(test, aw_u32(aw, AW_VERSION), 0);
	KUNIT_EXPECT_EQ(test, aw_u32(aw, AW_TIMEOUT), 0);
	KUNIT_EXPECT_EQ(test, aw_u32(aw, AW_DATA_OFF), 0);
	KUNIT_EXPECT_EQ(test, aw_u32(aw, AW_DATA_LEN), 0);
	KUNIT_EXPECT_EQ(test, aw_u32(aw, AW_DATA_VALID), 0);
	KUNIT_EXPECT_EQ(test, aw_u32(aw, AW_REQ_OFF), 7);
	KUNIT_EXPECT_EQ(test, aw_u32(aw, AW_REQ_LEN), 10);
	KUNIT_EXPECT_EQ(test, aw_u32(aw, AW_RESP_OFF), AW_HV_PAGE + 4000);
	KUNIT_EXPECT_EQ(test, aw_u32(aw, AW_RESP_LEN), 200);
	d = aw->pkt.desc;
	KUNIT_EXPECT_EQ(test, d->range.len, 3 * AW_HV_PAGE);
	KUNIT_EXPECT_EQ(test, d->range.pfn_array[0], aw_hvpfn(aw->pages[2], 12, 0));
	KUNIT_EXPECT_EQ(test, d->range.pfn_array[1], aw_hvpfn(aw->pages[3], 12, 0));
	KUNIT_EXPECT_EQ(test, d->range.pfn_array[2], aw_hvpfn(aw->pages[4], 12, 0));
}

/* Buffers sharing one page list it once per buffer. */
static void wire_shared_page(struct kunit *test)
{
	struct aw *aw = test->priv;
	struct vmbus_packet_mpb_array *d;

	aw_buf(aw, AZBLOB_BUF_DATA, 0x5000 + 48, 16, 0, 12);
	aw_buf(aw, AZBLOB_BUF_REQUEST, 0x5000 + 16, 16, 0, 12);
	aw_buf(aw, AZBLOB_BUF_RESPONSE, 0x5000 + 32, 64, 0, 12);
	KUNIT_ASSERT_EQ(test, azblob_build_packet(&aw->pkt, aw->bufs, 12, 0,
						  16, &aw_txid), 0);
	d = aw->pkt.desc;
	KUNIT_EXPECT_EQ(test, d->range.len, 3 * AW_HV_PAGE);
	KUNIT_EXPECT_EQ(test, d->range.pfn_array[0], aw_hvpfn(aw->pages[0], 12, 0));
	KUNIT_EXPECT_EQ(test, d->range.pfn_array[1], aw_hvpfn(aw->pages[0], 12, 0));
	KUNIT_EXPECT_EQ(test, d->range.pfn_array[2], aw_hvpfn(aw->pages[0], 12, 0));
	KUNIT_EXPECT_EQ(test, aw_u32(aw, AW_DATA_OFF), 48);
	KUNIT_EXPECT_EQ(test, aw_u32(aw, AW_DATA_VALID), 16);
	KUNIT_EXPECT_EQ(test, aw_u32(aw, AW_REQ_OFF), AW_HV_PAGE + 16);
	KUNIT_EXPECT_EQ(test, aw_u32(aw, AW_RESP_OFF), 2 * AW_HV_PAGE + 32);
}

/*
 * Guest pages larger than the host's: each is listed as the 4 KiB pieces
 * the buffer touches, and offsets count those pieces. @shift is 14 or 16
 * (16 and 64 KiB guest pages).
 */
static void aw_large_pages(struct kunit *test, unsigned int shift)
{
	unsigned int per = 1U << (shift - 12);	/* pieces per guest page */
	unsigned long gpage = 1UL << shift;
	struct aw *aw = test->priv;
	u64 *pfn;

	/* Data: 3 pieces from piece 1 of a guest page, 100 bytes in. */
	aw_buf(aw, AZBLOB_BUF_DATA, 8 * gpage + AW_HV_PAGE + 100, 8192, 0, shift);
	/* Request: crosses from the last piece of one guest page into the next. */
	aw_buf(aw, AZBLOB_BUF_REQUEST, 10 * gpage - 10, 20, 1, shift);
	/* Response: one piece. */
	aw_buf(aw, AZBLOB_BUF_RESPONSE, 12 * gpage + 3 * AW_HV_PAGE, 64, 3, shift);
	KUNIT_ASSERT_EQ(test, aw->bufs[AZBLOB_BUF_REQUEST].nr_pages, 2);
	KUNIT_ASSERT_EQ(test, azblob_build_packet(&aw->pkt, aw->bufs, shift, 0,
						  0, &aw_txid), 0);
	KUNIT_EXPECT_EQ(test, aw->pkt.desc->range.len, 6 * AW_HV_PAGE);
	KUNIT_EXPECT_EQ(test, aw->pkt.desc_size,
			sizeof(*aw->pkt.desc) + 6 * sizeof(u64));
	pfn = aw->pkt.desc->range.pfn_array;
	KUNIT_EXPECT_EQ(test, pfn[0], aw_hvpfn(aw->pages[0], shift, 1));
	KUNIT_EXPECT_EQ(test, pfn[1], aw_hvpfn(aw->pages[0], shift, 2));
	KUNIT_EXPECT_EQ(test, pfn[2], aw_hvpfn(aw->pages[0], shift, 3));
	KUNIT_EXPECT_EQ(test, pfn[3], aw_hvpfn(aw->pages[1], shift, per - 1));
	KUNIT_EXPECT_EQ(test, pfn[4], aw_hvpfn(aw->pages[2], shift, 0));
	KUNIT_EXPECT_EQ(test, pfn[5], aw_hvpfn(aw->pages[3], shift, 3));
	KUNIT_EXPECT_EQ(test, aw_u32(aw, AW_DATA_OFF), 100);
	KUNIT_EXPECT_EQ(test, aw_u32(aw, AW_REQ_OFF), 3 * AW_HV_PAGE + 4086);
	KUNIT_EXPECT_EQ(test, aw_u32(aw, AW_RESP_OFF), 5 * AW_HV_PAGE);
}

static void wire_16k_guest_pages(struct kunit *test)
{
	aw_large_pages(test, 14);
}

static void wire_64k_guest_pages(struct kunit *test)
{
	aw_large_pages(test, 16);
}

/* @n page pointers, all @page: for a page count, not for the bytes. */
static struct page **aw_many_pages(struct kunit *test, unsigned int n,
				   struct page *page)
{
	struct page **p = kunit_kmalloc_array(test, n, sizeof(*p), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < n; i++)
		p[i] = page;
	return p;
}

static void wire_rejects_page_counts(struct kunit *test)
{
	struct aw *aw = test->priv;

	KUNIT_EXPECT_EQ(test, azblob_build_packet(&aw->pkt, aw->bufs, 12, 0, 0,
						  &aw_txid), -EINVAL);
	/* 8192 Hyper-V pages in all: the most a request may have. */
	aw_buf(aw, AZBLOB_BUF_DATA, 0, 8190 * AW_HV_PAGE, 0, 12);
	aw_buf(aw, AZBLOB_BUF_REQUEST, 0x10, 16, 0, 12);
	aw_buf(aw, AZBLOB_BUF_RESPONSE, 0, 1, 0, 12);
	aw->bufs[AZBLOB_BUF_DATA].pages = aw_many_pages(test, 8190, aw->pages[0]);
	KUNIT_EXPECT_EQ(test, azblob_build_packet(&aw->pkt, aw->bufs, 12, 0, 0,
						  &aw_txid), 0);
	KUNIT_EXPECT_EQ(test, aw->pkt.desc->range.len, 8192 * AW_HV_PAGE);
	azblob_free_packet(&aw->pkt);
	/* 8193 Hyper-V pages in all: one too many. */
	aw_buf(aw, AZBLOB_BUF_DATA, 0, 8190 * AW_HV_PAGE, 0, 12);
	aw_buf(aw, AZBLOB_BUF_REQUEST, 0x10, AW_HV_PAGE, 0, 12);
	aw_buf(aw, AZBLOB_BUF_RESPONSE, 0, 1, 0, 12);
	KUNIT_EXPECT_EQ(test, azblob_build_packet(&aw->pkt, aw->bufs, 12, 0, 0,
						  &aw_txid), -EINVAL);
	KUNIT_EXPECT_NULL(test, aw->pkt.desc);
	/* A page count that does not match the buffer's span. */
	aw_buf(aw, AZBLOB_BUF_DATA, 0, 0, 0, 12);
	aw_buf(aw, AZBLOB_BUF_REQUEST, 0x10, 16, 0, 12);
	aw->bufs[AZBLOB_BUF_REQUEST].nr_pages = 2;
	KUNIT_EXPECT_EQ(test, azblob_build_packet(&aw->pkt, aw->bufs, 12, 0, 0,
						  &aw_txid), -EINVAL);
	KUNIT_EXPECT_NULL(test, aw->pkt.desc);
}

/* A completion as the host sends it: u32 length, error, response_len. */
static void aw_completion(u8 *c, u32 length, u32 error, u32 response_len)
{
	const u32 v[3] = { length, error, response_len };
	int i, b;

	for (i = 0; i < 3; i++)
		for (b = 0; b < 4; b++)
			c[i * 4 + b] = v[i] >> (8 * b);
}

static void wire_completion_parsing(struct kunit *test)
{
	struct azblob_answer a = { };
	u8 c[12], big[32] = { };

	aw_completion(c, 12, 7, 100);
	KUNIT_EXPECT_EQ(test, azblob_parse_completion(c, sizeof(c), 100, &a), 0);
	KUNIT_EXPECT_EQ(test, a.status, 7);
	KUNIT_EXPECT_EQ(test, a.response_len, 100);
	/* Short packets, at every length below the structure. */
	KUNIT_EXPECT_EQ(test, azblob_parse_completion(c, 0, 100, &a), -EBADMSG);
	KUNIT_EXPECT_EQ(test, azblob_parse_completion(c, 11, 100, &a), -EBADMSG);
	/* A response that cannot have fit the buffer. */
	KUNIT_EXPECT_EQ(test, azblob_parse_completion(c, sizeof(c), 99, &a),
			-EMSGSIZE);
	aw_completion(c, 12, 7, U32_MAX);
	KUNIT_EXPECT_EQ(test, azblob_parse_completion(c, sizeof(c), 100, &a),
			-EMSGSIZE);
	/* Longer packets are fine: trailing bytes are ignored. */
	aw_completion(big, 12, 404, 0);
	memset(big + 12, 0xff, sizeof(big) - 12);
	KUNIT_EXPECT_EQ(test, azblob_parse_completion(big, sizeof(big), 100, &a), 0);
	KUNIT_EXPECT_EQ(test, a.status, 404);
	KUNIT_EXPECT_EQ(test, a.response_len, 0);
}

static struct kunit_case wire_cases[] = {
	KUNIT_CASE(wire_buf_pages),
	KUNIT_CASE(wire_inline_layout),
	KUNIT_CASE(wire_without_data),
	KUNIT_CASE(wire_shared_page),
	KUNIT_CASE(wire_16k_guest_pages),
	KUNIT_CASE(wire_64k_guest_pages),
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
