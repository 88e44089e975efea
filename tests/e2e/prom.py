#!/usr/bin/env python3
"""Reads xdplb's Prometheus text exposition with prometheus_client's parser (a text that does
not parse fails) and checks it against xdplb's own JSON.  Used by tests/e2e/test-metrics.sh.

  prom.py get FILE NAME [LABEL=VALUE]...
      the value of the one sample NAME with those labels (others may be there too)
  prom.py agree FILE STATS0 STATS1 VIPS0 VIPS1 GENERATION
      every VIP, backend, verdict reason and flow-table figure of FILE lies between what
      `xdplb -j stats show` (STATS*) and `xdplb -j vip show` (VIPS*) said before (0) and
      after (1) the scrape; VIP info (digest, scheduler, mode), weights, states; the
      configuration generation is GENERATION; no VIP or backend more or less
  prom.py same DAEMON CLI
      `xdplb metrics` (CLI) has the families the daemon serves (DAEMON) but for the daemon's
      own, with the same samples (verdicts may have grown, state ages moved a little)
"""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

DAEMON_ONLY = {"xdplb_flow_gc_runs", "xdplb_flow_gc_expired",
               "xdplb_backend_check_duration_seconds", "xdplb_backend_check_failures"}


def parse(path):
    """{family name: type}, {(sample name, labels as a sorted tuple): value}"""
    with open(path) as f:
        text = f.read()
    fams, samples = {}, {}
    for fam in text_string_to_metric_families(text):
        if fam.name in fams:
            raise SystemExit(f"{path}: family {fam.name} twice")
        fams[fam.name] = fam.type
        for s in fam.samples:
            key = (s.name, tuple(sorted(s.labels.items())))
            if key in samples:
                raise SystemExit(f"{path}: sample {key} twice")
            samples[key] = s.value
    return fams, samples


def find(samples, name, **labels):
    want = set(labels.items())
    hits = [v for (n, ls), v in samples.items() if n == name and want <= set(ls)]
    if len(hits) != 1:
        raise KeyError(f"{name}{labels}: {len(hits)} samples")
    return hits[0]


def cmd_get(path, name, *pairs):
    _, samples = parse(path)
    labels = dict(p.split("=", 1) for p in pairs)
    v = find(samples, name, **labels)
    print(int(v) if v == int(v) else v)


def addr_port(a, port):
    return f"[{a}]:{port}" if ":" in a else f"{a}:{port}"


def cmd_agree(path, st0, st1, vp0, vp1, generation):
    fams, samples = parse(path)
    stats = [json.load(open(p)) for p in (st0, st1)]
    vips = [json.load(open(p)) for p in (vp0, vp1)]
    bad, good = [], 0

    def between(what, got, lo, hi):
        nonlocal good
        if lo <= got <= hi:
            good += 1
        else:
            bad.append(f"{what}: {got}, not within {lo}..{hi}")

    def equal(what, got, want):
        between(what, got, want, want)

    def get(name, **labels):
        try:
            return find(samples, name, **labels)
        except KeyError as e:
            bad.append(str(e))
            return -1

    for r, c in stats[0]["reasons"].items():
        for k in ("packets", "bytes"):
            between(f"{r} {k}", get(f"xdplb_verdict_{k}_total", reason=r), c[k],
                    stats[1]["reasons"][r][k])
    for e in ("displaced", "unrecorded"):
        between(e, get(f"xdplb_flows_{e}_total"), stats[0]["flow_table"][e],
                stats[1]["flow_table"][e])
    equal("generation", get("xdplb_config_generation"), int(generation))
    nreals = 0
    for i, v in enumerate(vips[0]):
        v1 = vips[1][i]
        lab = {"proto": v["protocol"], "vip": addr_port(v["address"], v["port"])}
        info = [dict(ls) for (n, ls) in samples if n == "xdplb_vip_info" and
                set(lab.items()) <= set(ls)]
        equal(f"{lab} info", len(info), 1)
        if info:
            for k in ("digest", "sched", "mode"):
                if info[0].get(k) == v[k]:
                    good += 1
                else:
                    bad.append(f"{lab} {k}: {info[0].get(k)}, want {v[k]}")
        for k, m in (("packets", "packets"), ("bytes", "bytes"), ("flows", "flows"),
                     ("resched", "flows_moved")):
            between(f"{lab} {k}", get(f"xdplb_vip_{m}_total", **lab), v[k], v1[k])
        for st in ("active", "inactive"):
            between(f"{lab} {st}", get("xdplb_vip_connections", state=st, **lab),
                    sum(r[f"{st}_conns"] for r in v["reals"]),
                    sum(r[f"{st}_conns"] for r in v1["reals"]))
        equal(f"{lab} backends up", get("xdplb_vip_backends_up", **lab),
              sum(r["state"] != "down" for r in v["reals"]))
        for j, r in enumerate(v["reals"]):
            r1 = v1["reals"][j]
            rl = dict(lab, backend=addr_port(r["address"], r["port"]))
            nreals += 1
            for k in ("packets", "bytes", "flows"):
                between(f"{rl} {k}", get(f"xdplb_backend_{k}_total", **rl), r[k], r1[k])
            for st in ("active", "inactive"):
                between(f"{rl} {st}", get("xdplb_backend_connections", state=st, **rl),
                        r[f"{st}_conns"], r1[f"{st}_conns"])
            equal(f"{rl} weight", get("xdplb_backend_weight", **rl), r["weight"])
            equal(f"{rl} up", get("xdplb_backend_up", **rl), int(r["state"] != "down"))
    count = {}
    for (n, _) in samples:
        count[n] = count.get(n, 0) + 1
    equal("VIPs", count.get("xdplb_vip_packets_total", 0), len(vips[0]))
    equal("backends", count.get("xdplb_backend_packets_total", 0), nreals)
    equal("counters are counters", fams.get("xdplb_vip_flows"), "counter")
    equal("gauges are gauges", fams.get("xdplb_backend_connections"), "gauge")
    for b in bad:
        print("mismatch:", b)
    print(f"{good} figures agree, {len(bad)} do not")
    return 1 if bad else 0


def cmd_same(daemon, cli):
    dfams, dsam = parse(daemon)
    cfams, csam = parse(cli)
    bad = []
    want = {n: t for n, t in dfams.items() if n not in DAEMON_ONLY}
    if cfams != want:
        bad.append(f"families: {sorted(set(cfams.items()) ^ set(want.items()))}")
    for key, v in dsam.items():
        name = key[0]
        if any(name.startswith(f) for f in DAEMON_ONLY):
            continue
        if key not in csam:
            bad.append(f"{key}: not in the CLI's")
            continue
        c = csam[key]
        if name.startswith("xdplb_verdict_"):
            ok = c >= v
        elif name == "xdplb_backend_state_seconds":
            ok = v <= c <= v + 30
        else:
            ok = c == v
        if not ok:
            bad.append(f"{key}: daemon {v}, CLI {c}")
    extra = [k for k in csam if k not in dsam]
    if extra:
        bad.append(f"only in the CLI's: {extra[:5]}")
    for b in bad:
        print("mismatch:", b)
    print(f"{len(csam)} samples, {len(bad)} mismatches")
    return 1 if bad else 0


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "get":
        try:
            cmd_get(*args)
        except KeyError as e:
            print(e, file=sys.stderr)
            return 1
        return 0
    if cmd == "agree":
        return cmd_agree(*args)
    if cmd == "same":
        return cmd_same(*args)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
