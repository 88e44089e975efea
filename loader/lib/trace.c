// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The live trace (xdplb trace): its switch and filters in xdplb_trace_ctl, one owner at a time,
 * and the reader of its ring (xdplb_trace, a BPF ring buffer) through libbpf.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/internal.h"

static int ctl_read(struct lb *lb, struct xdplb_trace_ctl *t)
{
	__u32 zero = 0;

	memset(t, 0, sizeof(*t));
	return bpf_map_lookup_elem(lb->fd.trace_ctl, &zero, t) ? -errno : 0;
}

static int ctl_write(struct lb *lb, const struct xdplb_trace_ctl *t)
{
	__u32 zero = 0;

	return bpf_map_update_elem(lb->fd.trace_ctl, &zero, t, BPF_ANY) ? -errno : 0;
}

/* Is process @pid alive (signal 0 reaches it, or it exists and is not ours to signal)? */
static bool pid_alive(__u32 pid)
{
	return pid && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

int lb_trace_get(struct lb *lb, struct xdplb_trace_ctl *out, bool *owner_alive)
{
	int err = ctl_read(lb, out);

	if (owner_alive)
		*owner_alive = !err && out->on && pid_alive(out->owner);
	return err;
}

int lb_trace_start(struct lb *lb, const struct lb_trace_filter *f, __u32 *prev_owner)
{
	struct xdplb_trace_ctl t;
	int err;

	*prev_owner = 0;
	if (!lb_locked(lb))
		return -ENOLCK;
	if (f->snap > XDPLB_TRACE_SNAP || f->reasons >> XDPLB_R_MAX ||
	    (f->family && f->family != XDPLB_AF_INET && f->family != XDPLB_AF_INET6))
		return -EINVAL;
	err = ctl_read(lb, &t);
	if (err)
		return err;
	if (t.on && t.owner != (__u32)getpid()) {
		*prev_owner = t.owner;
		if (pid_alive(t.owner))
			return -EBUSY;
	}
	memset(&t, 0, sizeof(t));
	t.owner = getpid();
	t.vip_id = f->vip_id;
	t.reasons = f->reasons;
	t.family = f->family;
	t.snap = f->snap;
	for (int i = 0; f->family && i < 4; i++) {
		t.mask[i] = f->mask[i];
		t.client[i] = f->client[i] & f->mask[i];
	}
	/* the filters while still off, then on: an update copies the value in order, `on`
	 * first, and a packet must never see it on with the last trace's filters */
	err = ctl_write(lb, &t);
	t.on = 1;
	return err ?: ctl_write(lb, &t);
}

int lb_trace_stop(struct lb *lb, bool any)
{
	struct xdplb_trace_ctl t;
	int err = ctl_read(lb, &t);

	if (err)
		return err;
	if (!t.on)
		return 0;
	if (t.owner != (__u32)getpid() && (!any || pid_alive(t.owner)))
		return -EBUSY;
	t.on = 0;
	return ctl_write(lb, &t); /* the filters and the lost count stay, for a look */
}

int lb_trace_lost(struct lb *lb, __u64 *lost)
{
	struct xdplb_trace_ctl t;
	int err = ctl_read(lb, &t);

	*lost = err ? 0 : t.lost;
	return err;
}

struct lb_trace_reader {
	struct ring_buffer *rb;
	lb_trace_fn *fn;
	void *ctx;
	__u64 since; /* bpf_ktime_get_ns() time: older events are a previous trace's */
	bool draining, stop;
	int handled;
};

static int reader_sample(void *ctx, void *data, size_t size)
{
	struct lb_trace_reader *r = ctx;
	const struct xdplb_trace_event *e = data;

	if (r->draining || size < sizeof(*e) || e->time < r->since)
		return 0;
	r->handled++;
	if (r->fn(e, r->ctx)) {
		r->stop = true;
		return -ECANCELED; /* libbpf stops at a negative value, past this event */
	}
	return 0;
}

int lb_trace_open(struct lb *lb, lb_trace_fn *fn, void *ctx, struct lb_trace_reader **out)
{
	struct lb_trace_reader *r = calloc(1, sizeof(*r));
	int err;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->fn = fn;
	r->ctx = ctx;
	r->rb = ring_buffer__new(lb->fd.trace, reader_sample, r, NULL);
	if (!r->rb) {
		err = -errno;
		free(r);
		return err ?: -EINVAL;
	}
	/* what an earlier trace left unread is not this one's */
	r->draining = true;
	err = ring_buffer__consume(r->rb);
	r->draining = false;
	r->since = lb_mono_ns();
	if (err < 0) {
		lb_trace_close(r);
		return err;
	}
	*out = r;
	return 0;
}

int lb_trace_poll(struct lb_trace_reader *r, int timeout_ms)
{
	int err;

	r->handled = 0;
	err = ring_buffer__poll(r->rb, timeout_ms);
	if (!err && !r->stop) /* nobody woke us: what came without a wake-up */
		err = ring_buffer__consume(r->rb);
	if (r->stop)
		return -ECANCELED;
	return err < 0 ? err : r->handled;
}

int lb_trace_fd(const struct lb_trace_reader *r)
{
	return ring_buffer__epoll_fd(r->rb);
}

void lb_trace_close(struct lb_trace_reader *r)
{
	if (!r)
		return;
	ring_buffer__free(r->rb);
	free(r);
}
