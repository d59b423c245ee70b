"""CPU time per request, server and PostgreSQL, for the bare endpoint and the owner submission.

    python -m bench.cpu --db kckp_bench            # after `python -m bench --keep-db`

Throughput on a shared 2-core machine moves with whatever else runs; the CPU one request costs
does not. This runs one uvicorn process, drives it with a few clients from another process for a
fixed time per operation, and divides the CPU the server and all PostgreSQL processes used
(/proc/<pid>/stat) by the number of requests. The load generator's own CPU per request is shown
beside them: on one machine it is part of what the server competes with.
"""

import argparse
import os
import time
from pathlib import Path

from . import load as loadgen
from .seed import django_env
from .server import Servers

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def postgres_seconds() -> float:
    total = 0.0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if Path(entry.path, "comm").read_text().strip() in ("postgres", "postmaster"):
                    total += cpu_seconds(int(entry.name))
            except OSError:
                continue
    return total


def measure(servers: Servers, spec: dict, clients: int, requests_per_op: int) -> dict:
    loadgen.load("closed", {**spec, "duration": 1}, 1, clients)  # warm
    pid = servers.pids[0]
    s0, p0, t0 = cpu_seconds(pid), postgres_seconds(), time.perf_counter()
    result = loadgen.load("closed", spec, 1, clients)
    s1, p1, t1 = cpu_seconds(pid), postgres_seconds(), time.perf_counter()
    key = "flow" if spec["op"] == "submit" else "request"
    done = len(result["lat"].get(key, [])) * requests_per_op
    return {"requests": done, "errors": result["errors"], "samples": result["samples"][:2], "seconds": t1 - t0,
            "server_s": s1 - s0, "postgres_s": p1 - p0, "client_s": result.get("client_cpu_s", 0.0)}


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.cpu", description=__doc__)
    ap.add_argument("--db", default="kckp_bench")
    ap.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    ap.add_argument("--redis", default=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/10"))
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--duration", type=float, default=16.0, help="seconds per operation, over all rounds")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--only", default="bare,submit")
    ap.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                    help="a setting for the server process over the defaults below, repeatable")
    args = ap.parse_args()
    env = django_env(f"{args.pg}/{args.db}", args.redis)
    os.environ.update(env)
    import django

    django.setup()
    from apps.system.models import Parameter
    from apps.system.parameters import params
    from apps.wechat.authentication import issue_owner_token
    from apps.wechat.models import Owner

    Parameter.objects.update_or_create(key="required_media_slots", defaults={"value": ""})
    params.invalidate()
    tokens = [issue_owner_token(o) for o in Owner.objects.filter(openid__startswith="bench-owner-").order_by("pk")[:20]]
    points = [(106.6189, 23.9024), (106.9, 23.3), (107.1, 23.6), (105.8, 24.3)]
    big = "1000000/min"
    server_env = {**env, "DB_POOL": "1", "DB_POOL_MIN": "4", "DB_POOL_MAX": "10", "THROTTLE_SUBMIT": big,
                  "THROTTLE_UPLOAD": big, "THROTTLE_PUBLIC": big, "THROTTLE_OWNER_SESSION": big}
    server_env.update(item.split("=", 1) for item in args.server_env)
    from django.db import connection

    connection.close()
    servers = Servers(server_env, 1, Path("/tmp/kckp-bench-cpu"))
    servers.start()
    base = {"urls": servers.urls, "points": points, "plate_pool": 200000, "duration": args.duration, "tokens": tokens}
    ops = list(filter(None, args.only.split(",")))
    totals = {op: {"requests": 0, "seconds": 0.0, "server": 0.0, "postgres": 0.0, "client": 0.0, "errors": {}, "samples": []}
              for op in ops}
    try:
        # Alternating rounds, so a drift of the machine's speed touches every operation alike.
        for _ in range(args.rounds):
            for op in ops:
                r = measure(servers, {**base, "op": op, "duration": args.duration / args.rounds}, args.clients,
                            2 if op == "submit" else 1)
                t = totals[op]
                t["requests"] += r["requests"]
                t["seconds"] += r["seconds"]
                t["server"] += r["server_s"]
                t["postgres"] += r["postgres_s"]
                t["client"] += r["client_s"]
                t["errors"].update(r["errors"])
                t["samples"] += r["samples"]
    finally:
        servers.stop()
    rows = []
    for op, t in totals.items():
        n = t["requests"]
        rows.append((op, {"requests": n, "requests_per_s": round(n / t["seconds"], 1),
                          "server_ms": round(t["server"] / n * 1000, 2) if n else None,
                          "postgres_ms": round(t["postgres"] / n * 1000, 2) if n else None,
                          "client_ms": round(t["client"] / n * 1000, 2) if n else None,
                          "errors": t["errors"], "samples": t["samples"][:2]}))
    bare = dict(rows).get("bare", {}).get("server_ms")
    print("| operation | requests | requests/s | server CPU ms/request | PostgreSQL CPU ms/request | "
          "(server + PostgreSQL) / bare server | load generator CPU ms/request | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for op, r in rows:
        relative = round((r["server_ms"] + r["postgres_ms"]) / bare, 2) if bare and r["server_ms"] else ""
        print(f"| {op} | {r['requests']} | {r['requests_per_s']} | {r['server_ms']} | {r['postgres_ms']} | {relative} | "
              f"{r['client_ms']} | {r['errors'] or ''} {r['samples'] or ''} |")


if __name__ == "__main__":
    main()
