#!/usr/bin/env python3
"""HTTP load on a VIP that records which backend answered each request, and what failed.

  conn_client.py HOST PORT [--conns N] [--interval S] [--rate R] [--duration S] ...

- N long-lived HTTP/1.1 keep-alive connections (default 200), each sending a request every
  INTERVAL seconds (default 0.1).  A connection that fails (reset, timeout, end of stream,
  bad answer) is recorded and its slot connects again after a pause, as a client would.
- A steady stream of new connections, RATE per second (default 20), each one request with
  "Connection: close".
- Answers are nginx's "I am IDENTITY" (tests/e2e/lib.sh, nginx_conf): the identity is the
  backend that served the request.

Runs for DURATION seconds (default 10) or until SIGTERM/SIGINT, then prints a JSON summary
on stdout.  SIGUSR1 records a mark: the caller sends it right before it injects a fault, and
the summary gives failure times relative to the start and to the first mark.  With
--ready-file, the file is created once every long-lived connection has had its first answer
(or after --ready-timeout seconds, whatever then holds).

Every wait has a timeout (--timeout for long-lived requests, --new-timeout for a whole new
connection), so the run ends by itself.  Python standard library only.

The summary (times in seconds since the start; "after_mark" since the first mark):
- long: conns, established (had a first answer), survived (established, never failed, never
  changed backend), survival_pct, changed_backend, requests_ok/failed, max_latency_s,
  last_ok_s, failures [{t, after_mark, slot, kind, phase}] (t: when the request or connect
  started), conns_detail [{slot, port, answers: [[backend, answers in a row]...],
  last_answer_s, changed, failure}] for every connection opened;
- new: attempted, ok, failed, backends {identity: count}, last_ok_s (start of the last
  success), longest_success_gap_s (between the starts of successive successes),
  failures [{t (start), after_mark, kind, latency_s}];
- failure_kinds, first/last_failure_s, timeline (per second: long_failed, new_ok,
  new_failed), and convergence_s: from the first mark to the start of the last new
  connection that failed (0 when none did): how long the fault kept new connections from
  getting through.
Failure kinds: timeout, refused, reset, eof, unreachable, bad_answer, oserror_*.
"""
import argparse
import asyncio
import errno
import json
import random
import signal
import sys
import time

MAX_EVENTS = 20000  # failures kept with their times (counts go on past it)


class BadAnswer(Exception):
    pass


def classify(exc):
    """A short name for what went wrong."""
    if isinstance(exc, asyncio.TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, ConnectionResetError):
        return "reset"
    if isinstance(exc, (asyncio.IncompleteReadError, EOFError, BrokenPipeError)):
        return "eof"
    if isinstance(exc, BadAnswer):
        return "bad_answer"
    if isinstance(exc, OSError):
        if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            return "unreachable"
        return "oserror_" + (errno.errorcode.get(exc.errno, str(exc.errno)))
    return type(exc).__name__


async def request(reader, writer, host, close):
    """One GET; returns the identity in the answer ("I am X" -> "X")."""
    req = "GET / HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (host, "Connection: close\r\n" if close else "")
    writer.write(req.encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = lines[0].split(" ")
    if len(status) < 2 or status[1] != "200":
        raise BadAnswer("status " + lines[0])
    length = None
    for line in lines[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v.strip())
    if length is None or length > 4096:
        raise BadAnswer("content-length %r" % length)
    body = (await reader.readexactly(length)).decode("latin-1").strip()
    if not body.startswith("I am "):
        raise BadAnswer("body " + body[:40])
    return body[5:]


def close_writer(writer):
    try:
        writer.close()
    except Exception:
        pass


class Conn:
    """One long-lived connection: the backends that answered it, in runs."""

    def __init__(self, slot, port, opened):
        self.slot = slot
        self.port = port
        self.opened = opened
        self.closed = None
        self.runs = []  # [identity, answers in a row]
        self.failure = None
        self.last = None  # time of the last answer

    def answer(self, ident, t):
        self.last = t
        if self.runs and self.runs[-1][0] == ident:
            self.runs[-1][1] += 1
        else:
            self.runs.append([ident, 1])

    @property
    def changed(self):
        return len(self.runs) > 1


class Client:
    def __init__(self, args):
        self.a = args
        self.t0 = time.monotonic()
        self.stop = asyncio.Event()
        self.marks = []
        self.conns = []  # every long-lived connection, in order of opening
        self.first = {}  # slot -> its first connection
        self.long_ok = 0
        self.long_failed = 0
        self.long_events = []  # (t, slot, kind, phase)
        self.long_max_latency = 0.0
        self.new_results = []  # (start, ok, kind or identity, latency)
        self.new_cancelled = 0
        self.new_inflight = 0
        self.ready = asyncio.Event()
        self.answered = 0  # slots whose first connection has had an answer
        self.tasks = set()

    def now(self):
        return time.monotonic() - self.t0

    def mark(self):
        self.marks.append(self.now())

    async def pause(self, secs):
        """Sleeps SECS or until stop; True when stopping."""
        try:
            await asyncio.wait_for(self.stop.wait(), max(secs, 0))
            return True
        except asyncio.TimeoutError:
            return False

    def long_fail(self, slot, kind, t, phase):
        self.long_failed += 1
        if len(self.long_events) < MAX_EVENTS:
            self.long_events.append((t, slot, kind, phase))

    async def long_slot(self, slot):
        a = self.a
        # spread the slots' requests over the interval
        if await self.pause(random.random() * a.interval):
            return
        while not self.stop.is_set():
            t = self.now()
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(a.host, a.port), a.timeout)
            except asyncio.CancelledError:
                raise
            except Exception as e:
                self.long_fail(slot, classify(e), t, "connect")
                if await self.pause(a.reconnect):
                    return
                continue
            c = Conn(slot, writer.get_extra_info("sockname")[1], t)
            self.conns.append(c)
            self.first.setdefault(slot, c)
            try:
                while not self.stop.is_set():
                    t = self.now()
                    ident = await asyncio.wait_for(request(reader, writer, a.host, False),
                                                   a.timeout)
                    lat = self.now() - t
                    self.long_max_latency = max(self.long_max_latency, lat)
                    self.long_ok += 1
                    if not c.runs and self.first[slot] is c:
                        self.answered += 1
                        if self.answered == a.conns:
                            self.ready.set()
                    c.answer(ident, self.now())
                    if await self.pause(t + a.interval - self.now()):
                        break
            except asyncio.CancelledError:
                raise
            except Exception as e:
                c.failure = classify(e)
                self.long_fail(slot, c.failure, t, "request")
            finally:
                c.closed = self.now()
                close_writer(writer)
            if c.failure and await self.pause(a.reconnect):
                return

    async def new_conn(self):
        a = self.a
        t = self.now()
        writer = None
        self.new_inflight += 1

        async def one():
            nonlocal writer
            reader, writer = await asyncio.open_connection(a.host, a.port)
            return await request(reader, writer, a.host, True)

        try:
            ident = await asyncio.wait_for(one(), a.new_timeout)
            self.new_results.append((t, True, ident, self.now() - t))
        except asyncio.CancelledError:
            self.new_cancelled += 1
            raise
        except Exception as e:
            self.new_results.append((t, False, classify(e), self.now() - t))
        finally:
            self.new_inflight -= 1
            if writer:
                close_writer(writer)

    def spawn(self, coro):
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def new_stream(self):
        a = self.a
        if a.rate <= 0:
            return
        period = 1.0 / a.rate
        nxt = self.now()
        while not self.stop.is_set():
            if self.new_inflight < a.max_inflight:
                self.spawn(self.new_conn())
            nxt += period
            if await self.pause(nxt - self.now()):
                return

    async def run(self):
        a = self.a
        loop = asyncio.get_running_loop()
        for s in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(s, self.stop.set)
        loop.add_signal_handler(signal.SIGUSR1, self.mark)
        slots = [self.spawn(self.long_slot(i)) for i in range(a.conns)]
        if a.conns == 0:
            self.ready.set()
        waits = [asyncio.ensure_future(e.wait()) for e in (self.ready, self.stop)]
        await asyncio.wait(waits, timeout=a.ready_timeout, return_when=asyncio.FIRST_COMPLETED)
        for w in waits:
            w.cancel()
        self.t_ready = self.now()
        if a.ready_file:
            with open(a.ready_file, "w") as f:
                f.write("%d\n" % self.answered)
        self.spawn(self.new_stream())
        await self.pause(a.duration)
        self.stop.set()
        self.t_end = self.now()
        # requests in flight get their timeout to finish, no longer
        pending = [t for t in list(self.tasks) if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=max(a.timeout, a.new_timeout) + 0.5)
        for t in list(self.tasks):
            t.cancel()
        await asyncio.gather(*slots, *list(self.tasks), return_exceptions=True)

    def summary(self):
        a = self.a
        mark = self.marks[0] if self.marks else None
        rel = (lambda t: round(t - mark, 3)) if mark is not None else (lambda t: None)

        initial = [self.first.get(i) for i in range(a.conns)]
        established = [c for c in initial if c and c.runs]
        survived = [c for c in established if not c.failure and not c.changed]
        changed = [c for c in self.conns if c.changed]

        new_ok = [r for r in self.new_results if r[1]]
        new_bad = [r for r in self.new_results if not r[1]]
        backends = {}
        for r in new_ok:
            backends[r[2]] = backends.get(r[2], 0) + 1
        starts = sorted(r[0] for r in new_ok)
        gap = max((b - x for x, b in zip(starts, starts[1:])), default=None)

        secs = int(self.t_end) + 1
        tl = [{"s": i, "long_failed": 0, "new_ok": 0, "new_failed": 0} for i in range(secs)]
        for t, _, _, _ in self.long_events:
            tl[min(int(t), secs - 1)]["long_failed"] += 1
        for r in self.new_results:
            tl[min(int(r[0]), secs - 1)]["new_ok" if r[1] else "new_failed"] += 1

        fails = sorted([e[0] for e in self.long_events] + [r[0] for r in new_bad])
        kinds = {}
        for e in self.long_events:
            kinds["long_" + e[2]] = kinds.get("long_" + e[2], 0) + 1
        for r in new_bad:
            kinds["new_" + r[2]] = kinds.get("new_" + r[2], 0) + 1
        last_new_bad = max((r[0] for r in new_bad), default=None)
        return {
            "target": "%s:%d" % (a.host, a.port),
            "ready_s": round(self.t_ready, 3),
            "end_s": round(self.t_end, 3),
            "marks_s": [round(m, 3) for m in self.marks],
            "long": {
                "conns": a.conns,
                "established": len(established),
                "survived": len(survived),
                "survival_pct": round(100.0 * len(survived) / a.conns, 2) if a.conns else None,
                "failed_conns": sum(1 for c in self.conns if c.failure),
                "changed_backend": len(changed),
                "opened": len(self.conns),
                "requests_ok": self.long_ok,
                "requests_failed": self.long_failed,
                "max_latency_s": round(self.long_max_latency, 3),
                "last_ok_s": round(max((c.last or -1 for c in self.conns), default=-1), 3),
                "failures": [{"t": round(t, 3), "after_mark": rel(t), "slot": s, "kind": k,
                              "phase": p} for t, s, k, p in self.long_events],
                "conns_detail": [{"slot": c.slot, "port": c.port, "opened_s": round(c.opened, 3),
                                  "last_answer_s": round(c.last, 3) if c.last else None,
                                  "answers": c.runs, "changed": c.changed,
                                  "failure": c.failure} for c in self.conns],
            },
            "new": {
                "rate": a.rate,
                "attempted": len(self.new_results),
                "ok": len(new_ok),
                "failed": len(new_bad),
                "cancelled_at_stop": self.new_cancelled,
                "backends": backends,
                "max_latency_s": round(max((r[3] for r in new_ok), default=0), 3),
                "last_ok_s": round(max((r[0] for r in new_ok), default=-1), 3),
                "longest_success_gap_s": round(gap, 3) if gap is not None else None,
                "failures": [{"t": round(r[0], 3), "after_mark": rel(r[0]), "kind": r[2],
                              "latency_s": round(r[3], 3)} for r in new_bad[:MAX_EVENTS]],
            },
            "failure_kinds": kinds,
            "first_failure_s": round(fails[0], 3) if fails else None,
            "last_failure_s": round(fails[-1], 3) if fails else None,
            # new connections fail while the router still sends some of them to a dead node:
            # the last one that failed, counted from the mark, is the time to converge
            "convergence_s": rel(last_new_bad) if last_new_bad is not None else
            (0.0 if mark is not None else None),
            "timeline": tl,
        }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--conns", type=int, default=200, help="long-lived connections (200)")
    p.add_argument("--interval", type=float, default=0.1, help="their request period (0.1 s)")
    p.add_argument("--rate", type=float, default=20, help="new connections per second (20)")
    p.add_argument("--duration", type=float, default=10, help="seconds after ready (10)")
    p.add_argument("--timeout", type=float, default=3, help="long-lived request timeout (3 s)")
    p.add_argument("--new-timeout", type=float, default=1,
                   help="a new connection's connect + request + answer (1 s)")
    p.add_argument("--reconnect", type=float, default=0.2,
                   help="pause before a failed slot connects again (0.2 s)")
    p.add_argument("--ready-timeout", type=float, default=10)
    p.add_argument("--ready-file")
    p.add_argument("--max-inflight", type=int, default=1000,
                   help="new connections at once, at most (1000)")
    a = p.parse_args()
    if a.conns < 0 or a.interval <= 0 or a.duration < 0 or a.timeout <= 0 or a.new_timeout <= 0:
        p.error("counts and times must be positive")
    # the last resort: whatever hangs, the process ends (without a summary)
    signal.alarm(int(a.ready_timeout + a.duration + a.timeout + a.new_timeout + 30))
    c = Client(a)
    asyncio.run(c.run())
    json.dump(c.summary(), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
