/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * This file contains what the packet-path fuzzer's parts share: the PRNG, byte helpers, the
 * balancer configuration the harness sets up (VIPs, backends, the sandbox's topology), the
 * frame generator's interface (gen.c), the independent checker's interface and the flow
 * tracker it keeps (check.c).
 *
 * Nothing here includes bpf/: the checker reads frames from the RFCs' byte offsets, with its
 * own one's-complement sums, so that a parsing or checksum error of the data plane is never
 * copied into what it is checked against.  Only the ABI constants (include/) are shared.
 */
#ifndef XDPLB_FUZZ_H
#define XDPLB_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/types.h>
#include "xdplb_consts.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef __u64 u64;

/* ---- PRNG: xoshiro256** seeded by splitmix64 (Vigna), so that runs replay by seed ---- */

struct rng {
	u64 s[4];
};

static inline u64 splitmix64(u64 *x)
{
	u64 z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline void rng_seed(struct rng *r, u64 seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline u64 rng_rotl(u64 x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline u64 rng_next(struct rng *r)
{
	u64 res = rng_rotl(r->s[1] * 5, 7) * 9, t = r->s[1] << 17;

	r->s[2] ^= r->s[0];
	r->s[3] ^= r->s[1];
	r->s[1] ^= r->s[2];
	r->s[0] ^= r->s[3];
	r->s[2] ^= t;
	r->s[3] = rng_rotl(r->s[3], 45);
	return res;
}

/* Uniform in [0, n) (Lemire's multiply-shift; the bias is far below what matters here). */
static inline u32 rng_below(struct rng *r, u32 n)
{
	return (u32)(((rng_next(r) >> 32) * (u64)n) >> 32);
}

static inline bool rng_pct(struct rng *r, u32 percent)
{
	return rng_below(r, 100) < percent;
}

/* ---- bytes in network order ---- */

static inline u16 rd16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static inline u32 rd32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static inline void wr16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void wr32(u8 *p, u32 v)
{
	wr16(p, v >> 16);
	wr16(p + 2, v & 0xffff);
}

/* ---- one's-complement sums (RFC 1071), the checker's own ---- */

/* Add @n bytes as big-endian 16-bit words (an odd last byte padded with zero) to @sum. */
static inline u64 oc_add(u64 sum, const u8 *p, size_t n)
{
	for (; n > 1; p += 2, n -= 2)
		sum += rd16(p);
	if (n)
		sum += (u64)p[0] << 8;
	return sum;
}

/* Fold the carries in: the one's-complement sum itself (not complemented). */
static inline u16 oc_fold(u64 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (u16)sum;
}

/* ---- the configuration under test ---- */

#define ETH_HDR 14
#define FZ_BUF	4096 /* frame buffers; inputs stay below 2 KiB, outputs grow by a header */

enum fz_if { IF_LB0, IF_LB1, IF_LB2, IF_N };

/* What the run does to a backend: LIVE stays up with weight 1; DRAIN loses its weight and DOWN
 * goes down at each epoch's phase change (flows established before it); DEAD is down from the
 * start (its VIP has no backend at all). */
enum fz_role { BE_LIVE, BE_DRAIN, BE_DOWN, BE_DEAD };

#define FZ_MAX_BE 4

struct fz_backend {
	const char *addr;
	u16 port; /* NAT port, host order; 0 = the packet's */
	u8 role;
	/* filled at setup */
	u8 fam; /* 4 or 6 */
	u8 a[16];
	int ifx;   /* egress interface */
	u8 mac[6]; /* its neighbour entry */
	__u32 id;  /* backend id in the maps */
	__u16 gen; /* its generation (lb_real_set_state() wants it) */
};

struct fz_vip {
	const char *name; /* path name: "tun4-tcp" */
	const char *addr;
	u16 port;
	u8 proto, mode, sched;
	u16 flags;
	u32 persist;
	struct fz_backend be[FZ_MAX_BE];
	/* filled at setup */
	int nbe;
	u8 fam;
	u8 a[16];
	__u32 id;
	int nest; /* establishment flows per epoch */
};

extern struct fz_vip fz_vips[];
extern int fz_nvips;

/* The sandbox's topology (tests/unit/fixture.h), as the checker knows it. */
extern const u8 fz_if_mac[IF_N][6];
extern const u16 fz_if_mtu[IF_N];
extern const u8 fz_router_mac[6];
extern const u8 fz_tunsrc4[4], fz_tunsrc6[16];

/* Where a packet to @a goes: 0 and the interface and next hop's MAC (a backend's neighbour, or
 * the clients' router); 1 and the interface of a connected subnet whose neighbour is not
 * known (the kernel resolves it); -1 for no route (or the balancer's own address). */
int fz_route(int fam, const u8 *a, int *ifx, u8 mac[6]);

/* Initialise addresses and MACs of the table above. */
void fz_config_init(void);

/* Clients the generator uses (pool index @i, either family) and the ICMP routers. */
void fz_client(int fam, int i, u8 *a);
extern const u8 fz_router4[4], fz_router6[16];

/* ---- frames ---- */

struct fz_frame {
	u8 d[FZ_BUF];
	u32 len;
};

/* A case: the frame, its path (bucket for the summary) and what was done to it. */
#define FZ_MAX_PATHS 256
struct fz_case {
	u64 no;
	int path;
	struct fz_frame f;
	char how[512]; /* the seed and the mutations, for -v */
};

extern const char *fz_path_names[FZ_MAX_PATHS];
extern int fz_npaths;

struct fz_state;

/* Generate case @no of a run with @seed: case @idx of its epoch (< fz_nest(): an
 * establishment packet, unmutated). */
void fz_generate(struct fz_case *c, u64 seed, u64 no, u32 idx, struct fz_state *st);
/* Establishment packets at the start of every epoch. */
u32 fz_nest(void);
/* Paths: register them all up front, so that ids are stable whatever the run reaches. */
void fz_paths_init(void);

/* ---- the flow tracker (per epoch) ---- */

struct fz_tuple {
	u8 fam, proto;
	u16 sport, dport; /* host order */
	u8 src[16], dst[16];
};

struct fz_binding {
	struct fz_tuple k;
	u32 stamp; /* epoch + 1 when valid */
	int vip, be;
	u8 closed; /* a FIN or RST of it went to selection */
	u8 soft;   /* only an ICMP error was sent there so far (mh: where a new flow goes) */
	u8 has_label;
	u8 down;     /* forgotten because its backend went down (no flow to send errors to) */
	u32 label;   /* outer IPv6 flow label (RFC 6438: the same for every packet of a flow) */
	u64 fe_mark; /* the flow table's events when it was last confirmed */
};

#define FZ_TRACK_BITS 17
#define FZ_TRACK_SIZE (1u << FZ_TRACK_BITS)
#define FZ_NAT_MAX    8192

/* A NAT flow as the tracker knows it: its reply must come back translated. */
struct fz_natflow {
	int vip, be;
	struct fz_tuple fwd;   /* client -> VIP as sent */
	struct fz_tuple reply; /* backend -> client (ports 0 for an l3hash VIP) */
};

struct fz_state {
	u32 epoch;
	u32 stamp;
	int phase;		 /* 0 before the drain/down change of the epoch, 1 after */
	struct fz_binding *tab;	 /* FZ_TRACK_SIZE entries: 5-tuple (l3hash: ports 0) -> backend */
	struct fz_binding *ptab; /* persistence: {client, VIP} -> backend (ports 0, dst = VIP) */
	struct fz_natflow nat[FZ_NAT_MAX];
	int nnat;
	u64 fe_mark; /* displaced + unrecorded flows, as last read */
	u64 checked; /* packets checked this epoch */
	u64 excused; /* flow checks not made: the flow table lost flows meanwhile */
	int (*read_events)(u64 *out); /* the harness's reader of xdplb_flow_events */
	int (*nat_probe)(const struct fz_tuple *reply); /* is there a NAT reply entry? */
	/* the backend id of the NAT reply entry of @reply, 0 when there is none */
	__u32 (*nat_real)(const struct fz_tuple *reply);
	/* recent VIP tuples per VIP, for seeds that continue a flow */
	struct fz_tuple recent[64][16];
	u32 nrecent[64];
};

void fz_state_reset(struct fz_state *st, u32 epoch);
void fz_state_phase(struct fz_state *st);
struct fz_binding *fz_bind_find(struct fz_binding *tab, const struct fz_tuple *k, u32 stamp);
struct fz_binding *fz_bind_add(struct fz_binding *tab, const struct fz_tuple *k, u32 stamp);

/* Is backend @b of VIP @v taking new flows in phase @phase? */
static inline bool fz_be_new(const struct fz_vip *v, int b, int phase)
{
	switch (v->be[b].role) {
	case BE_LIVE:
		return true;
	case BE_DRAIN:
	case BE_DOWN:
		return !phase;
	default:
		return false;
	}
}

static inline bool fz_vip_alldown(const struct fz_vip *v)
{
	for (int b = 0; b < v->nbe; b++)
		if (v->be[b].role != BE_DEAD)
			return false;
	return true;
}

/* ---- the checker ---- */

struct fz_result {
	int retval; /* XDP action */
	int reason; /* the one reason whose packet count rose by one, or -1 */
	int rose;   /* how many reasons' counts changed */
	const u8 *out;
	u32 out_len;
};

#define FZ_MAX_VIOL 8
struct fz_violation {
	char cls[120];	  /* the failure class: stable text, no numbers of this case */
	char detail[240]; /* what exactly, for -v */
};

struct fz_verdict {
	int n;
	struct fz_violation v[FZ_MAX_VIOL];
	char expect[200]; /* what the checker expected, for -v */
	char note[80];	  /* TCP flags and the backend it went to, for --trace and the history */
	bool has_key;
	struct fz_tuple key; /* the flow the packet belongs to (a reply: its forward tuple) */
};

/* Check one case's outcome; updates the tracker.  Returns the number of violations. */
int fz_check(const struct fz_frame *in, const struct fz_result *r, struct fz_state *st,
	     struct fz_verdict *v);

extern const char *const fz_mode_name[XDPLB_MODE_MAX];

#endif /* XDPLB_FUZZ_H */
