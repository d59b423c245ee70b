"""Profile one endpoint in-process against the benchmark database (left by `python -m bench --keep-db`).

    python -m bench.profile /api/v1/cases --user admin -n 50
    python -m bench.profile /api/v1/stats/summary?from=2025-01-01&to=2025-12-31&group=month --user admin --explain

Prints the time per request, every SQL statement of the last request with its time, and the top of a
cProfile of all requests (and EXPLAIN ANALYZE of the slowest statements with --explain).
"""

import argparse
import cProfile
import io
import os
import pstats
import time

from .seed import django_env


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("--user", default="admin")
    ap.add_argument("--owner", action="store_true", help="authenticate as a bench owner instead of staff")
    ap.add_argument("--method", default="get")
    ap.add_argument("--data", default=None, help="JSON body")
    ap.add_argument("-n", type=int, default=30)
    ap.add_argument("--db", default="kckp_bench")
    ap.add_argument("--explain", action="store_true")
    ap.add_argument("--top", type=int, default=30)
    args = ap.parse_args()
    os.environ.update(django_env(f"postgres://postgres@127.0.0.1:5432/{args.db}", "redis://127.0.0.1:6379/10"))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework_simplejwt.tokens import AccessToken

    from apps.accounts.models import User
    from apps.wechat.authentication import issue_owner_token
    from apps.wechat.models import Owner

    if args.owner:
        token = issue_owner_token(Owner.objects.filter(openid__startswith="bench-owner-").first())
    else:
        token = str(AccessToken.for_user(User.objects.get(username=args.user)))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    call = getattr(client, args.method)
    kwargs = {"data": args.data, "content_type": "application/json"} if args.data else {}
    call(args.path, **kwargs)  # warm
    times = []
    prof = cProfile.Profile()
    for _ in range(args.n):
        t0 = time.perf_counter()
        prof.enable()
        response = call(args.path, **kwargs)
        prof.disable()
        times.append(time.perf_counter() - t0)
    times.sort()
    print(f"status {response.status_code}; ms p50 {times[len(times) // 2] * 1000:.1f} max {times[-1] * 1000:.1f}")
    with CaptureQueriesContext(connection) as ctx:
        call(args.path, **kwargs)
    print(f"{len(ctx.captured_queries)} queries, {sum(float(q['time']) for q in ctx.captured_queries) * 1000:.1f} ms in SQL")
    for q in ctx.captured_queries:
        print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:300]}")
    if args.explain:
        slow = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:3]
        with connection.cursor() as cur:
            for q in slow:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                print("\n".join(r[0] for r in cur.fetchall()))
                print()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
