// SPDX-License-Identifier: GPL-2.0
/*
 * azblob-fuzz: a structured fuzzer of the Azure Blob request ioctl, with
 * an oracle written from the ABI, not from the driver.
 *
 *   azblob-fuzz NODE [CALLS [SEED]]
 *   azblob-fuzz -r END NODE [CALLS [SEED]]
 *   azblob-fuzz -t [CALLS [SEED]]
 *
 * NODE is /dev/azure_blob/<uuid> of an instance whose host is the
 * simulated one. Each call has random lengths, offsets and data_valid
 * drawn around every limit (0, 1, page boundaries, 8192 pages, 32 MiB,
 * U32_MAX), and buffers in memory of every kind: mapped read-write,
 * read-only, PROT_NONE, unmapped, partly unmapped, a transparent huge
 * page, NULL and a kernel address; now and then the structure itself is
 * unmapped, or the ioctl number is a neighbour of the real one. The
 * expected result is computed from the rules of
 * Documentation/driver-api/azure_blob.rst ("The rules, checked in this
 * order"), with the limits written here as numbers: ENOTTY, then EFAULT
 * for the structure, then EINVAL (a zero request or response length,
 * data_valid over data_len, a length over 32 MiB, more than 8192 pages of
 * 4 KiB in all), then EFAULT (a buffer not wholly mapped, or a response
 * or data buffer not writable), else 0 with the host's answer (status
 * 0, 400 or 404, and a response length within the buffer). Every call
 * whose result differs is printed with its fields and the seed; so is
 * any success on invalid input. The generator is a seeded xorshift: the
 * same NODE, CALLS and SEED replay the same calls.
 *
 * The last lines count the calls by expected result and the errnos
 * seen; the exit status is 0 only when every call got what the ABI says
 * and, from 1000 calls on, every one of the rules was reached.
 * Built for 64-bit and, as azblob-fuzz32, for 32-bit callers. With -t
 * it needs no node: it holds the oracle's model of its own memory (which
 * buffer may be read or written) to the kernel's, through
 * process_vm_readv/writev on itself (see self_test()).
 *
 * With -r, RACERS threads make the calls on one open file, and once they
 * have made a seeded number of them (a quarter to three quarters of
 * CALLS) the main thread ends what they call: END "close" closes the
 * file; any other END is a shell command that removes the instance or
 * rescinds its channel; the threads go on past CALLS until each has made
 * a few calls after the end. A call that began after the end was done
 * must fail with EBADF (close) or ENODEV (the node revoked), whatever it
 * was; one that overlapped the end gets what the rules say or that errno;
 * one that finished before it, what the rules say. The calls are counted
 * by phase, and the run fails unless each phase had some (a close may be
 * over before any call is inside the kernel: it needs none across).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <unistd.h>
#include <misc/azure_blob.h>

/* The ABI's limits (azure_blob.rst), as numbers. */
#define HV_PAGE		4096ULL
#define MAX_LEN		(32ULL << 20)
#define MAX_PAGES	8192ULL
#define REQUEST_NR	0xC04852F0UL	/* _IOWR('R', 0xf0, 72 bytes) */

#define BIG_LEN		(MAX_LEN + 4 * HV_PAGE)
#define SMALL_LEN	(4 * HV_PAGE)
#define HUGE_LEN	(4ULL << 20)
#define KERNEL_ADDR	0xffff888000000000ULL
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum kind { RW, RO, NONE, HOLE, GONE, HUGE, NUL, KERN, NR_KINDS };
static const char *const kind_name[] = {
	"rw", "ro", "none", "hole", "unmapped", "huge", "NULL", "kernel",
};

struct region {
	uint8_t *base;
	uint64_t len;
};

static struct region regions[NR_KINDS];

/* Each racing thread draws from its own generator. */
static __thread uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t below(uint64_t n)
{
	return n ? next() % n : 0;
}

static void *map(uint64_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("azblob-fuzz: mmap");
		exit(2);
	}
	return p;
}

/* Place @len bytes of memory with @prot at @at, in the arena. */
static uint8_t *place(uint8_t *at, uint64_t len, int prot)
{
	void *p = mmap(at, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	if (p == MAP_FAILED) {
		perror("azblob-fuzz: mmap");
		exit(2);
	}
	return p;
}

/*
 * The memory: each kind one region, in an arena reserved PROT_NONE, with
 * a guard of GUARD bytes between regions, so that a buffer running past
 * the end of its region meets memory it cannot use (whatever its length:
 * none is over 32 MiB), never the next region. "hole" is three pages
 * whose middle one is unmapped; "unmapped" was mapped and is gone (both
 * checked again at the end, in case something was mapped there since);
 * "huge" is 2 MiB aligned and advised for transparent huge pages.
 */
#define GUARD		(36ULL << 20)
#define ALIGN_2M(x)	(((x) + (2ULL << 20) - 1) & ~((2ULL << 20) - 1))

static void setup_memory(void)
{
	uint64_t lens[] = { BIG_LEN, SMALL_LEN, SMALL_LEN, 3 * HV_PAGE, SMALL_LEN, HUGE_LEN };
	uint64_t total = GUARD, i;
	uintptr_t at;
	uint8_t *p;

	for (i = 0; i < ARRAY_SIZE(lens); i++)
		total += ALIGN_2M(lens[i]) + GUARD;
	at = (uintptr_t)map(total + (2ULL << 20), PROT_NONE);
	at = ALIGN_2M(at) + GUARD;
	for (i = 0; i <= HUGE; i++) {
		regions[i] = (struct region){ (uint8_t *)at, lens[i] };
		at += ALIGN_2M(lens[i]) + GUARD;
	}
	place(regions[RW].base, BIG_LEN, PROT_READ | PROT_WRITE);
	p = place(regions[RO].base, SMALL_LEN, PROT_READ | PROT_WRITE);
	for (i = 0; i + 8 <= SMALL_LEN; i += 8)
		memcpy(p + i, "NOP ro  ", 8);
	mprotect(p, SMALL_LEN, PROT_READ);
	/* NONE stays as the arena has it: PROT_NONE. */
	p = place(regions[HOLE].base, 3 * HV_PAGE, PROT_READ | PROT_WRITE);
	munmap(p + HV_PAGE, HV_PAGE);
	munmap(regions[GONE].base, SMALL_LEN);
	p = place(regions[HUGE].base, HUGE_LEN, PROT_READ | PROT_WRITE);
	madvise(p, HUGE_LEN, MADV_HUGEPAGE);
	memset(p, 0, HUGE_LEN);
	regions[NUL] = (struct region){ NULL, 0 };
	regions[KERN] = (struct region){ NULL, 0 };
}

/* Whether the unmapped pages are still unmapped (msync: ENOMEM). */
static int still_unmapped(void)
{
	return msync(regions[GONE].base, SMALL_LEN, MS_ASYNC) && errno == ENOMEM &&
	       msync(regions[HOLE].base + HV_PAGE, HV_PAGE, MS_ASYNC) && errno == ENOMEM;
}

/* A length around the limits, or random. */
static uint32_t pick_len(void)
{
	static const uint64_t edges[] = {
		0, 1, 2, 7, HV_PAGE - 1, HV_PAGE, HV_PAGE + 1, 2 * HV_PAGE,
		3 * HV_PAGE + 5, MAX_PAGES * HV_PAGE - HV_PAGE, MAX_LEN - 1,
		MAX_LEN, MAX_LEN + 1, 0x7fffffff, 0xfffff000, 0xffffffff,
	};

	switch (below(4)) {
	case 0:
		return edges[below(ARRAY_SIZE(edges))];
	case 1:
		return 1 + below(64);
	case 2:
		return 1 + below(4 * HV_PAGE);
	default:
		return below(MAX_LEN + 2);
	}
}

struct buf {
	enum kind kind;
	uint64_t addr;
	uint32_t len;
};

/* A buffer of @len in memory of a random kind, mostly read-write. */
static void pick_buf(struct buf *b, uint32_t len)
{
	static const uint8_t weights[NR_KINDS] = { 12, 2, 1, 1, 1, 2, 1, 1 };
	unsigned int w = below(21), k = 0;
	struct region *r;
	uint64_t off, room;

	while (w >= weights[k]) {
		w -= weights[k];
		k++;
	}
	b->kind = k;
	b->len = len;
	r = &regions[k];
	if (k == NUL) {
		b->addr = 0;
		return;
	}
	if (k == KERN) {
		b->addr = KERNEL_ADDR + below(HV_PAGE);
		return;
	}
	/* Mostly within the region when it fits; else anywhere in it. */
	room = r->len > len ? r->len - len : 0;
	switch (below(4)) {
	case 0:
		off = 0;
		break;
	case 1:
		off = below(HV_PAGE);
		break;
	case 2:
		off = room;
		break;
	default:
		off = below(room + 1);
	}
	if (off >= r->len)
		off = r->len ? below(r->len) : 0;
	b->addr = (uintptr_t)r->base + off;
}

/* Whether [addr, addr + len) is wholly in memory this process may use so. */
static int usable(const struct buf *b, int write)
{
	const struct region *r = &regions[b->kind];
	uint64_t start = b->addr - (uintptr_t)r->base, end = start + b->len;

	if (!b->len)
		return 1;
	switch (b->kind) {
	case RW:
	case HUGE:
		return end <= r->len;
	case RO:
		return !write && end <= r->len;
	case HOLE:	/* page 0 and page 2 are mapped */
		return end <= HV_PAGE || (start >= 2 * HV_PAGE && end <= r->len);
	default:
		return 0;
	}
}

/*
 * The kernel's own view of the same: all of [addr, addr + len) read (or
 * written) through process_vm_readv/writev on this process, 1 MiB at a
 * time. For the self-test of usable() (-t), not for the ioctl's oracle.
 */
static int accessible(const struct buf *b, int write)
{
	static uint8_t scratch[1 << 20];
	uint64_t done = 0, n;
	ssize_t got;

	while (done < b->len) {
		n = b->len - done < sizeof(scratch) ? b->len - done : sizeof(scratch);
		struct iovec local = { scratch, n };
		struct iovec remote = { (void *)(uintptr_t)(b->addr + done), n };

		got = write ? process_vm_writev(getpid(), &local, 1, &remote, 1, 0) :
			      process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
		if (got != (ssize_t)n)
			return 0;
		done += n;
	}
	return 1;
}

static uint64_t hv_pages(const struct buf *b)
{
	if (!b->len)
		return 0;
	return ((b->addr & (HV_PAGE - 1)) + b->len + HV_PAGE - 1) / HV_PAGE;
}

enum outcome { OK, E_NOTTY, E_FAULT_STRUCT, E_INVAL, E_FAULT_BUF, NR_OUTCOMES };
static const char *const outcome_name[] = {
	"0", "ENOTTY", "EFAULT (structure)", "EINVAL", "EFAULT (buffer)",
};

static const int outcome_errno[] = { 0, ENOTTY, EFAULT, EINVAL, EFAULT };

struct call {
	unsigned long nr;
	int struct_gone;
	struct buf req, resp, data;
	uint32_t data_valid;
};

/* The rules of azure_blob.rst, in their order. */
static enum outcome expect(const struct call *c)
{
	if (c->nr != REQUEST_NR)
		return E_NOTTY;
	if (c->struct_gone)
		return E_FAULT_STRUCT;
	if (!c->req.len || !c->resp.len || c->data_valid > c->data.len)
		return E_INVAL;
	if (c->req.len > MAX_LEN || c->resp.len > MAX_LEN || c->data.len > MAX_LEN)
		return E_INVAL;
	if (hv_pages(&c->req) + hv_pages(&c->resp) + hv_pages(&c->data) > MAX_PAGES)
		return E_INVAL;
	if (!usable(&c->req, 0) || !usable(&c->resp, 1) || !usable(&c->data, 1))
		return E_FAULT_BUF;
	return OK;
}

static void pick_call(struct call *c)
{
	static const unsigned long neighbours[] = {
		0xC04852F1UL, 0xC04852EFUL, 0x804852F0UL, 0x404852F0UL,
		0xC04052F0UL, 0xC05052F0UL, 0xC04853F0UL, 0x000052F0UL,
	};

	memset(c, 0, sizeof(*c));
	if (!below(20)) {
		/*
		 * At the page limit: a page of request, a page of response
		 * and 8190 pages of data make 8192 (accepted); the data one
		 * byte further in makes 8193 (EINVAL).
		 */
		c->nr = REQUEST_NR;
		c->req = (struct buf){ RW, (uintptr_t)regions[RW].base, HV_PAGE };
		c->resp = (struct buf){ RW, (uintptr_t)regions[RW].base + HV_PAGE, HV_PAGE };
		c->data = (struct buf){ RW, (uintptr_t)regions[RW].base + 2 * HV_PAGE +
					below(2), (MAX_PAGES - 2) * HV_PAGE };
		c->data_valid = below(2) ? c->data.len : 0;
		return;
	}
	c->nr = below(40) ? REQUEST_NR : neighbours[below(8)];
	c->struct_gone = !below(40);
	pick_buf(&c->req, pick_len());
	pick_buf(&c->resp, pick_len());
	pick_buf(&c->data, below(3) ? pick_len() : 0);
	switch (below(4)) {
	case 0:
		c->data_valid = c->data.len;
		break;
	case 1:
		c->data_valid = c->data.len + 1;	/* wraps at U32_MAX */
		break;
	case 2:
		c->data_valid = below((uint64_t)c->data.len + 1);
		break;
	default:
		c->data_valid = !below(2) ? 0 : 0xffffffff;
	}
}

/* Buffers are printed as KIND+OFFSET (from the region's start) LEN. */
static unsigned long offset(const struct buf *b)
{
	return b->addr - (uintptr_t)regions[b->kind].base;
}

static void print_call(const char *why, unsigned long i, unsigned long long seed,
		       const struct call *c, int got, enum outcome want)
{
	printf("azblob-fuzz: %s: call %lu (seed %llu): nr %#lx%s, request %s+%#lx len %u, ",
	       why, i, seed, c->nr, c->struct_gone ? " (structure unmapped)" : "",
	       kind_name[c->req.kind], offset(&c->req), c->req.len);
	printf("response %s+%#lx len %u, data %s+%#lx len %u valid %u: got %s, the ABI says %s\n",
	       kind_name[c->resp.kind], offset(&c->resp), c->resp.len,
	       kind_name[c->data.kind], offset(&c->data), c->data.len,
	       c->data_valid, got ? strerror(got) : "0", outcome_name[want]);
}

/* The simulated host answers 0, 400 (bad request) or 404, within the buffer. */
static int answer_ok(const struct az_blob_request_sync *r, uint32_t resp_len)
{
	uint32_t st = r->response.status;

	return (st == 0 || st == 400 || st == 404) &&
	       r->response.response_len <= resp_len;
}

/*
 * -t: the oracle's memory model against the kernel's, on this machine,
 * with no node: for the buffers of @calls generated calls, usable() must
 * say what process_vm_readv/writev find. 0 when they always agree.
 */
static int self_test(unsigned long calls, unsigned long long seed)
{
	const struct buf *bufs[3];
	long checked = 0, wrong = 0;
	unsigned long i, k;
	struct call c;

	setup_memory();
	rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	for (i = 0; i < calls; i++) {
		pick_call(&c);
		bufs[0] = &c.req;
		bufs[1] = &c.resp;
		bufs[2] = &c.data;
		for (k = 0; k < 3; k++) {
			/* A 32-bit pointer cannot hold the kernel address. */
			if (!bufs[k]->len || bufs[k]->len > MAX_LEN ||
			    (bufs[k]->kind == KERN && sizeof(void *) < 8))
				continue;
			checked++;
			if (usable(bufs[k], k > 0) == accessible(bufs[k], k > 0))
				continue;
			if (wrong++ < 20)
				printf("azblob-fuzz -t: call %lu buf %lu: %s+%#lx len %u: %s %d\n",
				       i, k, kind_name[bufs[k]->kind], offset(bufs[k]),
				       bufs[k]->len, "usable() says", usable(bufs[k], k > 0));
		}
	}
	if (!still_unmapped())
		wrong++;
	printf("azblob-fuzz -t: %ld buffers checked, %ld where usable() is wrong\n",
	       checked, wrong);
	return wrong ? 1 : 0;
}

/* What one thread's calls got, by the ABI's rules and by what came back. */
struct tally {
	long expected[NR_OUTCOMES];
	long seen[5];		/* 0, EINVAL, EFAULT, ENOTTY, other */
	long bad, invalid_ok;
	long phase[3];		/* -r: calls before, across and after the end */
	long ended;		/* -r: of them, failed with the end's errno */
};

enum phase { BEFORE, ACROSS, AFTER };

/*
 * Call @i: the ABI's result, or (-r) @end_err where the end may have
 * come first. @r is this thread's structure, on a page of its own.
 */
static void fuzz_call(int fd, struct az_blob_request_sync *r, unsigned long i,
		      unsigned long long seed, enum phase ph, int end_err,
		      struct tally *t, const int *ending)
{
	struct az_blob_request_sync saved;
	enum outcome want;
	struct call c;
	int got;

	pick_call(&c);
	want = expect(&c);
	memset(r, 0, sizeof(*r));
	memcpy(r->guid, "azblob-fuzz call", 16);
	r->timeout = 30000;
	r->request_len = c.req.len;
	r->response_len = c.resp.len;
	r->data_len = c.data.len;
	r->data_valid = c.data_valid;
	r->reserved = next();	/* ignored, per the ABI */
	r->request_buffer = c.req.addr;
	r->response_buffer = c.resp.addr;
	r->data_buffer = c.data.addr;
	if (c.req.kind == RW && c.req.len >= 8 && usable(&c.req, 0))
		memcpy((void *)(uintptr_t)c.req.addr, "NOP fuzz", 8);
	saved = *r;
	got = ioctl(fd, c.nr, c.struct_gone ? (void *)regions[GONE].base : r) ? errno : 0;
	/* The end began during the call: it may have come first. */
	if (ph == BEFORE && ending && __atomic_load_n(ending, __ATOMIC_ACQUIRE))
		ph = ACROSS;
	t->phase[ph]++;
	/*
	 * azure_blob.rst: on success the structure comes back with
	 * only "response" filled in; on an error nothing is copied back.
	 */
	if (memcmp(r, &saved, got ? sizeof(*r) : offsetof(typeof(*r), response))) {
		if (t->bad++ < 20)
			printf("azblob-fuzz: call %lu (seed %llu): %s\n", i, seed,
			       got ? "the structure changed on an error" :
			       "a field other than response changed");
	}
	if (end_err && got == end_err && ph != BEFORE) {
		t->ended++;
		return;
	}
	if (ph == AFTER) {
		if (!got)
			t->invalid_ok++;
		if (t->bad++ < 20)
			printf("azblob-fuzz: call %lu (seed %llu) after the end: got %s, want %s\n",
			       i, seed, got ? strerror(got) : "0", strerror(end_err));
		return;
	}
	t->expected[want]++;
	if (!got)
		t->seen[0]++;
	else if (got == EINVAL)
		t->seen[1]++;
	else if (got == EFAULT)
		t->seen[2]++;
	else if (got == ENOTTY)
		t->seen[3]++;
	else
		t->seen[4]++;
	if (got != outcome_errno[want]) {
		if (!got)
			t->invalid_ok++;
		if (t->bad++ < 20)
			print_call(got ? "wrong errno" : "success on invalid input",
				   i, seed, &c, got, want);
		return;
	}
	if (!got && !answer_ok(r, c.resp.len) && t->bad++ < 20)
		printf("azblob-fuzz: call %lu (seed %llu): %s %u, %s %u of %u\n",
		       i, seed, "host status", r->response.status,
		       "response_len", r->response.response_len, c.resp.len);
}

/*
 * The totals, and (@all_rules) whether each rule was reached: 0 when all
 * is as it must be.
 */
static int report(const struct tally *t, unsigned long calls, unsigned long long seed,
		  int all_rules)
{
	long bad = t->bad, i;

	printf("azblob-fuzz: %lu calls (seed %llu); the ABI said:", calls, seed);
	for (i = 0; i < NR_OUTCOMES; i++)
		printf(" %s %ld%s", outcome_name[i], t->expected[i],
		       i + 1 < NR_OUTCOMES ? "," : "\n");
	printf("azblob-fuzz: seen: 0 %ld, EINVAL %ld, EFAULT %ld, ENOTTY %ld, other %ld\n",
	       t->seen[0], t->seen[1], t->seen[2], t->seen[3], t->seen[4]);
	printf("azblob-fuzz: %ld calls not as the ABI says, %ld of them %s\n",
	       t->bad, t->invalid_ok, "a success on invalid input");
	if (!still_unmapped()) {
		printf("azblob-fuzz: %s\n",
		       "memory meant to be unmapped is mapped: the results are void");
		bad++;
	}
	for (i = 0; all_rules && calls >= 1000 && i < NR_OUTCOMES; i++) {
		if (!t->expected[i]) {
			printf("azblob-fuzz: no call reached the rule for %s\n",
			       outcome_name[i]);
			bad++;
		}
	}
	return bad ? 1 : 0;
}

#define RACERS		3
#define AFTER_MIN	8

struct racer {
	pthread_t thread;
	struct az_blob_request_sync *r;
	struct tally t;
	unsigned long long seed;
};

static struct {
	int fd, end_err, ending;	/* ending: 0, 1 (begun), 2 (done) */
	unsigned long calls, end_at;
	unsigned long next;		/* calls handed out */
	sem_t go;			/* posted at call end_at */
} race;

static void *racer_main(void *arg)
{
	struct racer *me = arg;
	unsigned long i;
	enum phase ph;

	rng = me->seed * 0x9e3779b97f4a7c15ULL + 1;
	/*
	 * CALLS in all; past them, wait for the end to be done, and go on
	 * until this thread has made AFTER_MIN calls after it (quick ones:
	 * they fail at once).
	 */
	for (;;) {
		/*
		 * Calls past end_at wait for the end to begin, and then race
		 * it: a close is over in microseconds, so the wait yields
		 * rather than sleeps.
		 */
		if (__atomic_load_n(&race.next, __ATOMIC_RELAXED) > race.end_at &&
		    !__atomic_load_n(&race.ending, __ATOMIC_ACQUIRE)) {
			sched_yield();
			continue;
		}
		if (__atomic_load_n(&race.next, __ATOMIC_RELAXED) >= race.calls) {
			if (__atomic_load_n(&race.ending, __ATOMIC_ACQUIRE) != 2) {
				usleep(1000);
				continue;
			}
			if (me->t.phase[AFTER] >= AFTER_MIN)
				break;
		}
		i = __atomic_fetch_add(&race.next, 1, __ATOMIC_RELAXED);
		if (i == race.end_at)
			sem_post(&race.go);
		/* Pairs with the release stores of race_end(). */
		ph = __atomic_load_n(&race.ending, __ATOMIC_ACQUIRE) == 2 ? AFTER :
		     __atomic_load_n(&race.ending, __ATOMIC_ACQUIRE) ? ACROSS : BEFORE;
		fuzz_call(race.fd, me->r, i, me->seed, ph, race.end_err, &me->t,
			  &race.ending);
	}
	return NULL;
}

/* The main thread's part: woken at the seeded call, end it all. */
static int race_end(const char *end)
{
	int ret = 0;

	while (sem_wait(&race.go))
		;
	__atomic_store_n(&race.ending, 1, __ATOMIC_RELEASE);
	if (!strcmp(end, "close")) {
		ret = close(race.fd);
	} else {
		ret = system(end);
		ret = ret == -1 || !WIFEXITED(ret) || WEXITSTATUS(ret) ? -1 : 0;
	}
	if (ret)
		printf("azblob-fuzz: the end (%s) failed\n", end);
	__atomic_store_n(&race.ending, 2, __ATOMIC_RELEASE);
	return ret;
}

static int race_run(const char *end, const char *node, unsigned long calls,
		    unsigned long long seed)
{
	struct racer racers[RACERS];
	struct tally sum = { 0 };
	int i, k, bad;

	race.fd = open(node, O_RDWR);
	if (race.fd < 0) {
		perror(node);
		return 2;
	}
	race.end_err = strcmp(end, "close") ? ENODEV : EBADF;
	race.calls = calls;
	rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	if (calls < 4 * RACERS) {
		fprintf(stderr, "azblob-fuzz -r: CALLS must be %d or more\n", 4 * RACERS);
		return 2;
	}
	/* A quarter to three quarters in: calls before it and after it. */
	race.end_at = calls / 4 + below(calls / 2 + 1);
	sem_init(&race.go, 0, 0);
	for (i = 0; i < RACERS; i++)
		racers[i] = (struct racer){ .r = map(HV_PAGE, PROT_READ | PROT_WRITE),
					    .seed = seed + i };
	setup_memory();
	for (i = 0; i < RACERS; i++)
		if (pthread_create(&racers[i].thread, NULL, racer_main, &racers[i])) {
			perror("azblob-fuzz: pthread_create");
			exit(2);
		}
	bad = race_end(end);
	for (i = 0; i < RACERS; i++) {
		pthread_join(racers[i].thread, NULL);
		for (k = 0; k < NR_OUTCOMES; k++)
			sum.expected[k] += racers[i].t.expected[k];
		for (k = 0; k < 5; k++)
			sum.seen[k] += racers[i].t.seen[k];
		for (k = 0; k < 3; k++)
			sum.phase[k] += racers[i].t.phase[k];
		sum.bad += racers[i].t.bad;
		sum.invalid_ok += racers[i].t.invalid_ok;
		sum.ended += racers[i].t.ended;
	}
	printf("azblob-fuzz -r %s: %d threads, the end after call %lu: ",
	       end, RACERS, race.end_at);
	printf("%ld calls %s, %ld %s, %ld %s; %ld failed with %s\n",
	       sum.phase[BEFORE], "before it",
	       sum.phase[ACROSS], "across", sum.phase[AFTER], "after",
	       sum.ended, strerror(race.end_err));
	/*
	 * A close is over too soon to be sure a call is inside the kernel
	 * meanwhile; a remove or a rescind is not.
	 */
	for (k = 0; k < 3; k++)
		if (!sum.phase[k] && (k != ACROSS || race.end_err != EBADF)) {
			printf("azblob-fuzz -r: no call %s the end\n",
			       k == BEFORE ? "before" : k == ACROSS ? "across" : "after");
			bad = 1;
		}
	/* Only the calls before the end reach the rules: not all need be. */
	k = report(&sum, sum.phase[BEFORE] + sum.phase[ACROSS] + sum.phase[AFTER], seed, 0);
	if (strcmp(end, "close"))
		close(race.fd);
	return bad || k ? 1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long calls, i;
	unsigned long long seed;
	struct az_blob_request_sync *r;
	struct tally t = { 0 };
	int fd, race_mode;

	setvbuf(stdout, NULL, _IOLBF, 0);
	race_mode = argc > 3 && !strcmp(argv[1], "-r");
	if (race_mode) {
		argv += 2;
		argc -= 2;
	}
	calls = argc > 2 ? strtoul(argv[2], NULL, 0) : 2000;
	seed = argc > 3 ? strtoull(argv[3], NULL, 0) : 1;
	if (argc < 2 || !calls) {
		fprintf(stderr, "usage: azblob-fuzz [-r END] NODE [CALLS [SEED]], CALLS > 0\n");
		return 2;
	}
	if (race_mode)
		return race_run(argv[0], argv[1], calls, seed);
	if (!strcmp(argv[1], "-t"))
		return self_test(calls, seed);
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		perror(argv[1]);
		return 2;
	}
	/* Before the regions: a page mapped later could fill the hole. */
	r = map(HV_PAGE, PROT_READ | PROT_WRITE);
	setup_memory();
	rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	for (i = 0; i < calls; i++)
		fuzz_call(fd, r, i, seed, BEFORE, 0, &t, NULL);
	close(fd);
	return report(&t, calls, seed, 1);
}
