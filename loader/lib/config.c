// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Global settings in xdplb_config, and the flags the data plane reads to skip work no VIP
 * needs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/internal.h"

void lb_config_defaults(struct xdplb_config *cfg)
{
	cfg->ring_size = XDPLB_DEF_RING_SIZE;
	cfg->tcp_timeout = XDPLB_DEF_TCP_TIMEOUT;
	cfg->tcpfin_timeout = XDPLB_DEF_TCPFIN_TIMEOUT;
	cfg->udp_timeout = XDPLB_DEF_UDP_TIMEOUT;
	cfg->synrecv_timeout = XDPLB_DEF_SYNRECV_TIMEOUT;
	cfg->layout = XDPLB_LAYOUT;
}

int lb_config_get(struct lb *lb, struct xdplb_config *cfg)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(lb->fd.config, &zero, cfg))
		return -errno;
	if (!cfg->ring_size)
		cfg->ring_size = XDPLB_DEF_RING_SIZE;
	return 0;
}

int bump_vip_gen(struct lb *lb)
{
	struct xdplb_config cfg;
	int err = lb_config_get(lb, &cfg);

	if (err)
		return err;
	cfg.vip_gen++;
	return lb_config_set(lb, &cfg);
}

/* Work the data plane skips unless some VIP needs it: NAT reply lookups, port-0 lookups,
 * NAT reply lookups with ports 0.  The config flags that VIP @key, @vip needs: */
__u32 vip_cfg_flags(const struct xdplb_vip_key *key, const struct xdplb_vip *vip)
{
	__u32 flags = 0;

	if (vip->mode == XDPLB_MODE_NAT)
		flags |= XDPLB_CFG_F_NAT;
	if (vip->mode == XDPLB_MODE_NAT && (vip->flags & XDPLB_VIP_F_L3HASH))
		flags |= XDPLB_CFG_F_NAT_L3;
	if (!key->port)
		flags |= XDPLB_CFG_F_PORT0;
	return flags;
}

int cfg_flags_changed(struct lb *lb)
{
	if (!in_bulk(lb))
		return update_cfg_flags(lb);
	lb->idx->cfg_flags = true;
	return 0;
}

/* Called after every change of xdplb_vips, so it also bumps vip_gen. */
int update_cfg_flags(struct lb *lb)
{
	struct lb_vip_entry *all;
	struct xdplb_config cfg;
	__u32 flags = 0;
	int n = lb_vip_list_alloc(lb, &all), err;

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		flags |= vip_cfg_flags(&all[i].key, &all[i].vip);
	free(all);
	err = lb_config_get(lb, &cfg);
	if (err)
		return err;
	flags |= cfg.flags & ~VIP_CFG_FLAGS;
	cfg.flags = flags;
	cfg.vip_gen++;
	return lb_config_set(lb, &cfg);
}

/* A VIP was added: its flags join the others.  Adding a VIP can only add flags, so this is
 * update_cfg_flags() without listing every VIP; deferred to the flush in bulk mode. */
int add_cfg_flags(struct lb *lb, const struct xdplb_vip_key *key, const struct xdplb_vip *vip)
{
	struct xdplb_config cfg;
	int err;

	if (in_bulk(lb))
		return cfg_flags_changed(lb);
	err = lb_config_get(lb, &cfg);
	if (err)
		return err;
	cfg.flags |= vip_cfg_flags(key, vip);
	cfg.vip_gen++; /* a cached "no VIP here" must not outlive the add */
	return lb_config_set(lb, &cfg);
}

int lb_config_set(struct lb *lb, const struct xdplb_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_update_elem(lb->fd.config, &zero, cfg, BPF_ANY) ? -errno : 0;
}

int lb_node_drain(struct lb *lb, bool drain)
{
	struct xdplb_config cfg;
	int err = lb_config_get(lb, &cfg);

	if (err)
		return err;
	cfg.flags = drain ? cfg.flags | XDPLB_CFG_F_DRAINED : cfg.flags & ~XDPLB_CFG_F_DRAINED;
	return lb_config_set(lb, &cfg);
}
