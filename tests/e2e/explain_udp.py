#!/usr/bin/env python3
"""Client tuples, datagrams from them, and xdplb explain's answers, for test-explain.sh.

  explain_udp.py tuples SEED COUNT BASE ADDR...
      prints COUNT distinct random "ADDR:PORT" client tuples, one a line (addresses from
      ADDR..., source ports BASE..BASE+5999), the same for the same SEED.
  explain_udp.py send VIP PORT [TIMEOUT] < TUPLES
      for each "ADDR:PORT" line, one datagram from exactly that address and port to
      VIP:PORT (a socket bound to it, connected to the VIP), one after the other; prints
      "ADDR:PORT IDENTITY" (the answer "I am IDENTITY") or "ADDR:PORT FAILED".
  explain_udp.py interleave VIP PORT EXPLAIN_JSON ANSWERS COMMAND... < TUPLES
      for each tuple in turn: COMMAND... from ADDR:PORT (an `xdplb -j explain`), then one
      datagram from it as send does; the explanations gathered into EXPLAIN_JSON (one array),
      the answers into ANSWERS, for compare.
  explain_udp.py compare EXPLAIN_JSON ANSWERS SOURCE [NOT_FOLLOWED]
      checks `xdplb -j explain` output (EXPLAIN_JSON, an array of answers, one per tuple)
      against the identities that answered (ANSWERS, as send prints them), tuple by tuple:
      every tuple answered, explained once, verdict forward, decision SOURCE (flow, sched,
      persist), the explained backend's address the one that answered.  With NOT_FOLLOWED
      (e.g. down), SOURCE applies to the tuples whose flow explain found not followed for
      that reason, and the others must say "flow".  Prints "N agreed" or each disagreement
      and exits 1.
  explain_udp.py same EXPLAIN_JSON
      all the answers name one backend and one decision (rr, wrr, lc, wlc before any new
      flow: the next new flow's); prints "BACKEND SLOT", or what differs and exits 1.
"""
import json
import random
import socket
import subprocess
import sys


def tuples(seed, count, base, addrs):
    rng = random.Random(seed)
    seen, out = set(), []
    while len(out) < count:
        t = (rng.choice(addrs), rng.randrange(base, base + 6000))
        if t not in seen:
            seen.add(t)
            out.append(t)
    for a, p in out:
        print(f"{a}:{p}")


def send_one(tup, vip, port, timeout):
    """One datagram from client tuple TUP ("ADDR:PORT"): "TUP IDENTITY", or "TUP FAILED"."""
    addr, sport = tup.rsplit(":", 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind((addr, int(sport)))
        except OSError as e:
            return f"{tup} FAILED bind: {e}"
        s.settimeout(timeout)
        s.connect((vip, port))
        s.send(b"explain?")
        try:
            reply = s.recv(1500).decode(errors="replace")
        except (socket.timeout, ConnectionRefusedError):
            return f"{tup} FAILED"
        return f"{tup} {reply[5:] if reply.startswith('I am ') else '?' + reply}"


def send(vip, port, timeout):
    for line in sys.stdin:
        if line.strip():
            print(send_one(line.strip(), vip, port, timeout), flush=True)


def interleave(vip, port, explain_path, answers_path, cmd):
    explained, answers = [], []
    for line in sys.stdin:
        tup = line.strip()
        if not tup:
            continue
        out = subprocess.run(cmd + ["from", tup], stdout=subprocess.PIPE, check=True).stdout
        explained += json.loads(out)
        answers.append(send_one(tup, vip, port, 2.0))
    with open(explain_path, "w") as f:
        json.dump(explained, f)
    with open(answers_path, "w") as f:
        f.write("".join(a + "\n" for a in answers))


def load_answers(path):
    got = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if parts:
                got[parts[0]] = parts[1] if len(parts) > 1 else "FAILED"
    return got


def compare(explain_path, answers_path, source, not_followed):
    with open(explain_path) as f:
        ex = json.load(f)
    got = load_answers(answers_path)
    bad, seen, moved = [], set(), 0
    for e in ex:
        c = e["client"]
        seen.add(c)
        want_source = source
        flow = e.get("flow")
        if not_followed:
            if flow and flow["not_followed"] == not_followed:
                moved += 1
            else:
                want_source = "flow"
        backend = (e["backend"] or "none").rsplit(":", 1)[0]
        why = []
        if c not in got:
            why.append("no answer recorded")
        elif got[c] != backend:
            why.append(f"answered by {got[c]}")
        if e["source"] != want_source:
            why.append(f"decision {e['source']}, not {want_source}")
        if e["verdict"] != "forward":
            why.append(f"verdict {e['verdict']}")
        if want_source == "flow" and (not flow or not flow["followed"]):
            why.append(f"flow {flow}")
        if why:
            bad.append(f"{c}: explained {backend}: " + ", ".join(why))
    for c in got:
        if c not in seen:
            bad.append(f"{c}: not explained")
    if len(ex) != len(seen):
        bad.append(f"{len(ex)} answers for {len(seen)} tuples")
    for b in bad[:20]:
        print(b)
    if bad:
        print(f"{len(bad)} disagreements of {len(got)} tuples")
        sys.exit(1)
    print(f"{len(ex)} agreed" + (f", {moved} {not_followed}" if not_followed else ""))


def same(explain_path):
    with open(explain_path) as f:
        ex = json.load(f)
    kinds = {(e["backend"], (e["sched"] or {}).get("slot"), e["source"]) for e in ex}
    if len(kinds) != 1:
        print(f"{len(kinds)} different answers: {sorted(map(str, kinds))[:5]}")
        sys.exit(1)
    backend, slot, _ = kinds.pop()
    print(f"{backend} {slot or '-'}")


def main():
    a = sys.argv
    if len(a) >= 6 and a[1] == "tuples":
        tuples(int(a[2]), int(a[3]), int(a[4]), a[5:])
    elif len(a) in (4, 5) and a[1] == "send":
        send(a[2], int(a[3]), float(a[4]) if len(a) == 5 else 2.0)
    elif len(a) >= 7 and a[1] == "interleave":
        interleave(a[2], int(a[3]), a[4], a[5], a[6:])
    elif len(a) in (5, 6) and a[1] == "compare":
        compare(a[2], a[3], a[4], a[5] if len(a) == 6 else None)
    elif len(a) == 3 and a[1] == "same":
        same(a[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
