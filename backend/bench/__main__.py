"""`make bench` / `python -m bench [--scale S]`: seed, serve, load, and print every SPEC §6 figure beside its bar.

Steps (each printed with its time): create database `kckp_bench`, migrate, seed_demo, bulk seed
(bench.seed), benchmark accounts; in-process measures (jurisdiction lookup, fraud check); start the
server processes (uvicorn, one ASGI worker each, DB_POOL=1, channels-redis); HTTP and WebSocket load
from separate processes (bench.load); table on stdout; JSON in artifacts/bench/results.json.
"""

import argparse
import json
import math
import os
import platform
import random
import shutil
import statistics
import struct
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

from . import load as loadgen
from .seed import (
    COUNTY_WEIGHTS,
    FULL_CASES,
    bench_accounts,
    bulk_seed,
    django_env,
    drop_database,
    manage,
    plate_stats,
    recreate_database,
)
from .server import Servers, load_average, proc_status, reset_hwm

BACKEND = Path(__file__).resolve().parent.parent
REPO = BACKEND.parent
MB = 1024 * 1024
T0 = time.perf_counter()


def log(msg: str) -> None:
    print(f"[{time.perf_counter() - T0:7.1f}s] {msg}", flush=True)


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def summary(values: list[float], scale: float = 1000.0) -> dict:
    """Latency summary in milliseconds (values in seconds)."""
    if not values:
        return {"n": 0}
    return {"n": len(values), "p50": round(pct(values, 0.5) * scale, 3), "p90": round(pct(values, 0.9) * scale, 3),
            "p99": round(pct(values, 0.99) * scale, 3), "max": round(max(values) * scale, 3),
            "mean": round(statistics.fmean(values) * scale, 3)}


class LoadWatch:
    """Samples the 1-minute load average and the CPU use of processes that are not ours while we run."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(5):
            self.samples.append(os.getloadavg()[0])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> dict:
        self._stop.set()
        s = self.samples or [os.getloadavg()[0]]
        return {"load1_min": min(s), "load1_mean": round(statistics.fmean(s), 2), "load1_max": max(s)}


def other_busy_processes() -> list[str]:
    """Top CPU users right now that are not this benchmark (the machine is shared)."""
    try:
        out = subprocess.run(["ps", "-eo", "pcpu,comm,args", "--sort=-pcpu"], capture_output=True, text=True, timeout=5).stdout
    except Exception:  # noqa: BLE001
        return []
    rows = []
    for line in out.splitlines()[1:12]:
        if "bench" in line or float(line.split()[0]) < 5:
            continue
        rows.append(line[:120])
    return rows


# ---- in-process measures -------------------------------------------------------------------------

def measure_locate(n: int) -> dict:
    from apps.units.geo import jurisdictions

    rng = random.Random(1)
    jurisdictions.locate(106.6, 23.9, "gcj02")  # loads the index
    times = []
    for i in range(n):
        lng, lat = rng.uniform(104.4, 107.9), rng.uniform(22.8, 25.1)
        cs = "gcj02" if i % 2 else "wgs84"
        t0 = time.perf_counter()
        jurisdictions.locate(lng, lat, cs)
        times.append(time.perf_counter() - t0)
    return summary(times)


WARM_CHECKS = 20  # fraud checks run before the measured ones, on other cases


def measure_fraud(n: int) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from apps.cases.models import Case
    from apps.fraud.models import FraudWarning
    from apps.fraud.services import check_submission, plate_count
    from apps.system.parameters import params

    window = params.get("fraud_window_days")
    cutoff = timezone.now() - timedelta(days=30)
    ids = list(Case.objects.filter(submitted_at__gte=cutoff, status__in=["submitted", "reviewing", "closed", "accepted"])
               .order_by("?").values_list("pk", flat=True)[:n + WARM_CHECKS])
    warm_ids, ids = ids[n:], ids[:n]
    plates, cases = [], []
    for case_id in ids:
        case = Case.objects.get(pk=case_id)
        cases.append(case)
        plates.extend((p, case.occurred_at) for p in case.parties.values_list("plate_normalized", flat=True))
    for p, at in plates[:20]:  # warm the connection and the plan cache
        plate_count(p, at, window)
    count_times, counts = [], []
    for p, at in plates:
        t0 = time.perf_counter()
        counts.append(plate_count(p, at, window))
        count_times.append(time.perf_counter() - t0)

    def measured_check(case) -> tuple[float, bool]:
        with transaction.atomic():
            # As in a submission: the parties and media are already loaded (the completeness check
            # reads them) and the case has no warnings yet, so the seeded ones are set aside.
            parties, media = list(case.parties.select_related("insurer")), list(case.media.all())
            FraudWarning.objects.filter(case=case).delete()
            t0 = time.perf_counter()
            found = bool(check_submission(case, parties, media).warnings)
            elapsed = time.perf_counter() - t0
            transaction.set_rollback(True)  # measure only: leave the seeded data as it was
        return elapsed, found

    for case_id in warm_ids:  # warm the connection, the plans and the parameters, as in a running server
        measured_check(Case.objects.get(pk=case_id))
    check_times, warned = [], 0
    for case in cases:
        elapsed, found = measured_check(case)
        check_times.append(elapsed)
        warned += found
    return {"plate_count": summary(count_times), "check_case": summary(check_times), "cases": len(cases),
            "cases_with_warning": warned, "max_count": max(counts, default=0)}


# ---- HTTP phases ---------------------------------------------------------------------------------

def rate(result: dict, key: str) -> float:
    n = len(result["lat"].get(key, []))
    return round(n / result["elapsed"], 1) if result["elapsed"] else 0.0


def client_ms(result: dict, requests: int) -> float | None:
    """The load generator's own CPU per HTTP request, in ms: on a shared machine it competes with the server."""
    return round(result.get("client_cpu_s", 0.0) / requests * 1000, 2) if requests else None


def combine(runs: list[dict]) -> dict:
    """Rounds of one operation as one result: latencies and errors pooled, elapsed times added."""
    merged = loadgen.merge(runs)
    merged["elapsed"] = sum(r["elapsed"] for r in runs)
    return merged


def make_phone_photo(directory: Path) -> str:
    """A 12-megapixel JPEG (4000 x 3000), the size a phone camera takes, from the first bench photo."""
    from PIL import Image

    path = directory / "phone-12mp.jpg"
    with Image.open(directory / "photo0.jpg") as small:
        small.resize((4000, 3000)).save(path, "JPEG", quality=88)
    return str(path)


def measure_photo_check(paths: list[str], n: int) -> dict:
    """check_image() in this process, per photo: decoding, hash, thumbnail (no storage, no HTTP)."""
    from django.core.files import File

    from apps.cases.media_files import check_image

    times = []
    for path in paths:
        with open(path, "rb") as fh:
            upload = File(fh, name=Path(path).name)
            check_image(upload, 64 * MB)
            for _ in range(n):
                t0 = time.perf_counter()
                check_image(upload, 64 * MB)
                times.append(time.perf_counter() - t0)
    return summary(times)


def make_photos(directory: Path) -> list[str]:
    """Three distinct JPEGs of about 1 MB each (camera-sized, noisy so they do not compress away)."""
    from PIL import Image

    paths = []
    rng = random.Random(7)
    for i in range(3):
        w, h = 1600, 1200
        base = Image.effect_noise((w // 4, h // 4), 60 + i).convert("RGB").resize((w, h))
        noise = Image.effect_noise((w, h), 25).convert("RGB")
        img = Image.blend(base, noise, 0.35)
        q = 90
        path = directory / f"photo{i}.jpg"
        for _ in range(12):
            img.save(path, "JPEG", quality=q)
            size = path.stat().st_size
            if size > 1.1 * MB:
                q -= 4
            elif size < 0.9 * MB and q < 98:
                q += 2
            else:
                break
        paths.append(str(path))
        rng.random()
    return paths


def _box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def make_video(path: Path, size: int) -> str:
    """A structurally valid MP4 of exactly `size` bytes, written in 1 MB pieces: ftyp, one big mdat of
    random bytes (its size header covers the whole payload), then a small moov, as a phone writes it."""
    ftyp = _box(b"ftyp", b"mp42" + b"\x00\x00\x00\x00" + b"mp42isom")
    moov = _box(b"moov", _box(b"mvhd", bytes(100)))
    payload = size - len(ftyp) - 8 - len(moov)
    if payload < 0 or 8 + payload > 0xFFFFFFFF:
        raise ValueError(f"cannot make a {size}-byte video")
    with open(path, "wb") as f:
        f.write(ftyp + struct.pack(">I4s", 8 + payload, b"mdat"))
        chunk = os.urandom(MB)
        remaining = payload
        while remaining > 0:
            f.write(chunk[: min(MB, remaining)])
            remaining -= MB
        f.write(moov)
    return str(path)


def main() -> int:  # noqa: C901 - one linear script
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of 1,000,000 cases (0.002 for a smoke run)")
    ap.add_argument("--db", default="kckp_bench", help="database to create (dropped at the end unless --keep-db)")
    ap.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    ap.add_argument("--redis", default=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/10"))
    ap.add_argument("--reuse-db", action="store_true", help="skip seeding; use the database left by --keep-db")
    ap.add_argument("--keep-db", action="store_true")
    ap.add_argument("--servers", type=int, default=2, help="uvicorn processes (one ASGI worker each)")
    ap.add_argument("--clients", type=int, default=2, help="load generator processes per HTTP phase")
    ap.add_argument("--duration", type=float, default=None, help="seconds per throughput phase")
    ap.add_argument("--officers", type=int, default=500)
    ap.add_argument("--only", default="", help="comma list of phases: locate,fraud,list,stats,bare,submit,photos,video,alerts")
    ap.add_argument("--out", default=str(REPO / "artifacts" / "bench" / "results.json"))
    ap.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                    help="a setting for the server processes, over the benchmark's own (repeatable)")
    args = ap.parse_args()

    smoke = args.scale < 0.05
    duration = args.duration or (6.0 if smoke else 20.0)
    phases = set(filter(None, args.only.split(","))) or {"locate", "fraud", "list", "stats", "bare", "submit", "photos",
                                                          "video", "alerts"}
    cases = max(200, int(FULL_CASES * args.scale))
    dsn = f"{args.pg}/{args.db}"
    out_dir = Path(args.out).parent
    work = out_dir / "work"
    shutil.rmtree(work, ignore_errors=True)
    (work / "media").mkdir(parents=True, exist_ok=True)
    env = django_env(dsn, args.redis, {"KCKP_VAR_DIR": str(work / "var"), "MEDIA_ROOT": str(work / "media")})
    os.environ.update(env)
    results: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S %z"), "scale": args.scale, "cases": cases,
                     "machine": machine(), "load_before": load_average(), "busy_before": other_busy_processes(),
                     "phases": {}, "figures": []}
    watch = LoadWatch()
    watch.start()

    import redis

    redis.Redis.from_url(args.redis).flushdb()
    seed_info = {}
    if not args.reuse_db:
        log(f"database {args.db}: create, migrate, seed_demo")
        t = time.perf_counter()
        recreate_database(dsn, args.db)
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "seed_demo")
        seed_info["migrate_seed_demo_s"] = round(time.perf_counter() - t, 1)
        import django

        django.setup()
        log(f"bulk seed: {cases:,} cases")
        t = time.perf_counter()
        seed_info.update(bulk_seed(dsn, cases, log))
        seed_info["bulk_s"] = round(time.perf_counter() - t, 1)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from rest_framework_simplejwt.tokens import AccessToken

    from apps.system.models import Parameter
    from apps.system.parameters import params
    from apps.units.models import Unit, UnitKind
    from apps.wechat.authentication import issue_owner_token
    from apps.wechat.models import Owner

    User = get_user_model()
    if not args.reuse_db:
        t = time.perf_counter()
        bench_accounts(args.officers, 200)
        seed_info["accounts_s"] = round(time.perf_counter() - t, 1)
        seed_info["plates"] = plate_stats(dsn)
        log(f"seeded in {time.perf_counter() - T0:.0f}s: {seed_info}")
    # Submissions are measured without media (SPEC §6: "no media"): no photo slot is required.
    Parameter.objects.update_or_create(key="required_media_slots", defaults={"value": ""})
    params.invalidate()
    results["seed"] = seed_info

    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases_case")
        results["cases_in_db"] = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM cases_party WHERE counts_for_fraud")
        results["fraud_parties_in_db"] = cur.fetchone()[0]
    plate_pool = seed_info.get("plate_pool") or max(50, 2 * results["cases_in_db"])

    figures = results["figures"]

    def figure(name, value, bar, passed, unit="ms", note="", key=None):
        figures.append({"figure": name, "value": value, "bar": bar, "pass": passed, "unit": unit, "note": note, "key": key})

    if "locate" in phases:
        log("in-process jurisdiction lookup")
        s = measure_locate(20000 if not smoke else 5000)
        results["phases"]["locate_inproc"] = s
        figure("Jurisdiction lookup, in-process locate() per point", s, "p99 < 1 ms", s["p99"] < 1.0, key="p99")
    if "fraud" in phases:
        log("in-process fraud check")
        s = measure_fraud(300 if not smoke else 100)
        results["phases"]["fraud_inproc"] = s
        figure("Fraud check in submission: check_submission() (2 plates)", s["check_case"], "p99 < 2 ms",
               s["check_case"].get("p99", 1e9) < 2.0, key="p99", note=f"{s['cases_with_warning']}/{s['cases']} cases warned")
        figure("  of which plate_count() per plate (info)", s["plate_count"], "-", None, key="p99")
    connection.close()

    # Tokens minted here with the server's signing key (same settings) instead of 500 logins.
    admin = User.objects.get(username="admin")
    county_officer = User.objects.get(username="youjiang_officer")
    officers = list(User.objects.filter(username__startswith="bench_officer_").order_by("pk"))[: args.officers]
    owners = list(Owner.objects.filter(openid__startswith="bench-owner-").order_by("pk"))
    counties = {u.pk: u for u in Unit.objects.all()}
    city_id = next(u.pk for u in counties.values() if u.kind == UnitKind.CITY)
    jwt = {"admin": str(AccessToken.for_user(admin)), "county": str(AccessToken.for_user(county_officer))}
    officer_tokens = [str(AccessToken.for_user(u)) for u in officers]
    owner_tokens = [issue_owner_token(o) for o in owners]
    rng = random.Random(3)
    weighted = [(u.lng, u.lat) for u in counties.values() if u.kind == UnitKind.COUNTY for _ in
                range(int(COUNTY_WEIGHTS.get(u.adcode, 0.03) * 100))]
    points = [(round(lng + rng.uniform(-0.004, 0.004), 6), round(lat + rng.uniform(-0.004, 0.004), 6))
              for lng, lat in (rng.choice(weighted) for _ in range(400))]
    connection.close()

    big = "1000000/min"
    server_env = {**env, "DB_POOL": "1", "DB_POOL_MIN": "4", "DB_POOL_MAX": "10", "THROTTLE_SUBMIT": big,
                  "THROTTLE_UPLOAD": big, "THROTTLE_PUBLIC": big, "THROTTLE_LOGIN": big, "THROTTLE_TRACK": big,
                  "THROTTLE_OWNER_SESSION": big, "THROTTLE_INSURER": big}
    server_env.update(item.split("=", 1) for item in args.server_env)
    results["server_env"] = args.server_env
    servers = Servers(server_env, args.servers, out_dir / "logs")
    log(f"starting {args.servers} uvicorn processes")
    servers.start()
    results["server"] = {"processes": args.servers, "pids": servers.pids, "urls": servers.urls,
                         "cmd": "uvicorn config.asgi:application --ws websockets --lifespan off --loop uvloop --http httptools",
                         "db_pool": "psycopg pool min 4 max 10 per process", "channel_layer": "channels_redis"}
    urls = servers.urls
    base = {"urls": urls, "points": points, "plate_pool": plate_pool}
    try:
        if "locate" in phases:
            log("HTTP GET /api/v1/units/locate")
            r = loadgen.load("closed", {**base, "op": "get", "tokens": ["-"],
                                        "path": "/api/v1/units/locate?lng={lng}&lat={lat}&coord_system=gcj02",
                                        "iterations": 300 if not smoke else 100}, 2, 2)
            results["phases"]["locate_http"] = {**summary(r["lat"].get("request", [])), "errors": r["errors"]}
            figure("Jurisdiction lookup over HTTP /units/locate (info, 2 clients)", results["phases"]["locate_http"], "-",
                   None, key="p99")

        if "list" in phases:
            for who, label in (("admin", "city admin"), ("county", "county officer (右江)")):
                log(f"GET /api/v1/cases as {label}")
                loadgen.load("closed", {**base, "op": "get", "tokens": [jwt[who]], "path": "/api/v1/cases", "iterations": 10},
                             1, 2)
                r = loadgen.load("closed", {**base, "op": "get", "tokens": [jwt[who]], "path": "/api/v1/cases",
                                            "iterations": 150 if not smoke else 60}, 2, 2)
                s = {**summary(r["lat"].get("request", [])), "errors": r["errors"], "samples": r["samples"]}
                results["phases"][f"case_list_{who}"] = s
                figure(f"Case list first page, {label} (2 clients)", s, "p99 < 50 ms", s.get("p99", 1e9) < 50, key="p99")

        if "stats" in phases:
            today = date.today()
            path = f"/api/v1/stats/summary?from={(today - timedelta(days=364)).isoformat()}&to={today.isoformat()}&group=month"
            log("GET /api/v1/stats/summary 12 months, city admin")
            loadgen.load("closed", {**base, "op": "get", "tokens": [jwt["admin"]], "path": path, "iterations": 2}, 1, 1)
            r = loadgen.load("closed", {**base, "op": "get", "tokens": [jwt["admin"]], "path": path,
                                        "iterations": 20 if not smoke else 8}, 1, 1)
            s = {**summary(r["lat"].get("request", [])), "errors": r["errors"], "samples": r["samples"]}
            results["phases"]["stats_12m"] = s
            figure("City-wide 12-month statistics by county (1 client)", s, "< 300 ms (p99)", s.get("p99", 1e9) < 300,
                   key="p99")

        # The bare endpoint and the submission are measured in alternating rounds: this 2-core
        # machine is shared, and its speed drifts within a minute; a bare phase followed by a
        # submission phase would put that drift into the ratio.
        rounds = 4
        bare_runs, sub_runs = [], []
        if "bare" in phases or "submit" in phases:
            loadgen.load("closed", {**base, "op": "bare", "duration": 2}, args.clients, 20)
        if "submit" in phases:
            loadgen.load("closed", {**base, "op": "submit", "tokens": owner_tokens[:20], "duration": 2}, args.clients, 20)
        if "bare" in phases or "submit" in phases:
            log(f"bare Django JSON endpoint{' and owner submission draft + submit' if 'submit' in phases else ''}, "
                f"20 clients, {rounds} alternating rounds of {duration / rounds:.0f}s each")
            for _ in range(rounds):
                bare_runs.append(loadgen.load("closed", {**base, "op": "bare", "duration": duration / rounds},
                                              args.clients, 20))
                if "submit" in phases:
                    sub_runs.append(loadgen.load("closed", {**base, "op": "submit", "tokens": owner_tokens[:20],
                                                            "duration": duration / rounds}, args.clients, 20))
            bare = combine(bare_runs)
            bare_rps = rate(bare, "request")
            bare_client = client_ms(bare, len(bare["lat"].get("request", [])))
            results["phases"]["bare"] = {**summary(bare["lat"].get("request", [])), "rps": bare_rps, "errors": bare["errors"],
                                         "rounds_rps": [rate(r, "request") for r in bare_runs],
                                         "load_generator_cpu_ms_per_request": bare_client}
            figure("Bare Django JSON endpoint (20 clients)", results["phases"]["bare"], "-", None, key="p99",
                   note=f"{bare_rps} req/s; load generator {bare_client} ms CPU/request")
        if "submit" in phases:
            sub = combine(sub_runs)
            flows = rate(sub, "flow")
            req_rps = round(flows * 2, 1)
            s = {"flow": summary(sub["lat"].get("flow", [])), "draft": summary(sub["lat"].get("draft", [])),
                 "submit": summary(sub["lat"].get("submit", [])), "flows_per_s": flows, "requests_per_s": req_rps,
                 "rounds_requests_per_s": [round(rate(r, "flow") * 2, 1) for r in sub_runs],
                 "load_generator_cpu_ms_per_request": client_ms(sub, 2 * len(sub["lat"].get("flow", []))),
                 "errors": sub["errors"], "samples": sub["samples"]}
            results["phases"]["submission"] = s
            figure("Owner submission, draft + submit (20 clients)", s["flow"], "p99 < 150 ms",
                   s["flow"].get("p99", 1e9) < 150, key="p99",
                   note=f"{flows} submissions/s; load generator {s['load_generator_cpu_ms_per_request']} ms CPU/request")
            figure("  draft request alone (info)", s["draft"], "-", None, key="p99")
            figure("  submit request alone (info)", s["submit"], "-", None, key="p99")
            if "bare" in phases:
                ratio = round(req_rps / bare_rps, 3) if bare_rps else 0
                per_round = [round(b and sr / b, 3) for b, sr in zip(results["phases"]["bare"]["rounds_rps"],
                                                                      s["rounds_requests_per_s"], strict=True)]
                figure("Submission throughput / bare endpoint (HTTP requests/s)", ratio, ">= 0.40", ratio >= 0.40, unit="ratio",
                       note=f"{req_rps} vs {bare_rps} req/s; {flows} submissions/s; rounds {per_round}")
                results["phases"]["submission"]["ratio_requests"] = ratio
                results["phases"]["submission"]["ratio_rounds"] = per_round
                results["phases"]["submission"]["ratio_flows"] = round(flows / bare_rps, 3) if bare_rps else 0

        if "photos" in phases:
            photos = make_photos(work)
            sizes = [round(os.path.getsize(p) / MB, 2) for p in photos]
            log("in-process photo check: the three ~1 MB photos, then a 12-megapixel one")
            phone = make_phone_photo(work)
            for label, paths in (("~1 MB photo", photos), (f"12-megapixel photo ({os.path.getsize(phone) / MB:.1f} MB)", [phone])):
                s = measure_photo_check(paths, 30 if not smoke else 5)
                results["phases"].setdefault("photo_check_inproc", {})[label] = s
                figure(f"  photo check in-process, check_image(), {label} (info)", s, "-", None)
            log(f"three ~1 MB photos ({sizes} MB), 4 owners uploading at once")
            r = loadgen.load("closed", {**base, "op": "photos", "tokens": owner_tokens[20:40], "photos": photos,
                                        "iterations": 1}, 1, 2)
            r = loadgen.load("closed", {**base, "op": "photos", "tokens": owner_tokens[20:40], "photos": photos,
                                        "duration": duration}, args.clients, 4)
            s = {**summary(r["lat"].get("photo", [])), "sizes_mb": sizes, "per_s": rate(r, "photo"), "errors": r["errors"],
                 "samples": r["samples"]}
            results["phases"]["photos"] = s
            figure("Photo upload, ~1 MB each (4 owners, 3 photos each in turn)", s, "p99 < 200 ms", s.get("p99", 1e9) < 200,
                   key="p99")

        if "video" in phases:
            video = make_video(work / "clip.mp4", 200 * MB)
            log("200 MB video upload, server memory")
            before = {pid: proc_status(pid) for pid in servers.pids}
            reset = all(reset_hwm(pid) for pid in servers.pids)
            base_rss = {pid: proc_status(pid).get("VmRSS" if reset else "VmHWM", 0) for pid in servers.pids}
            r = loadgen.load("closed", {**base, "op": "video", "tokens": owner_tokens[40:41], "video": video,
                                        "iterations": 1, "timeout": 600}, 1, 1)
            after = {pid: proc_status(pid) for pid in servers.pids}
            growth = {pid: round((after[pid].get("VmHWM", 0) - base_rss[pid]) / 1024, 1) for pid in servers.pids}
            worst = max(growth.values())
            s = {"growth_mb_by_pid": growth, "hwm_reset": reset, "before": before, "after": after,
                 "upload": summary(r["lat"].get("video", [])), "errors": r["errors"], "samples": r["samples"]}
            results["phases"]["video"] = s
            ok = worst < 50 and not r["errors"]
            figure("200 MB video upload: server memory growth (VmHWM)", worst, "< 50 MB", ok, unit="MB",
                   note=f"upload took {s['upload'].get('p50', 0) / 1000:.1f}s")
            os.unlink(video)

        if "alerts" in phases:
            results["phases"]["alerts"] = alert_phase(servers, base, officers, officer_tokens, owner_tokens[41:81], city_id,
                                                      duration, smoke)
            a = results["phases"]["alerts"]
            figure(f"Live alert, alert created_at -> officer socket ({a['connected']} sockets on {len(urls)} processes)",
                   a["latency"], "p99 < 250 ms", a["latency"].get("p99", 1e9) < 250 and a["connected"] >= len(officers)
                   and a["delivered"] >= a["expected"],
                   key="p99", note=f"{a['delivered']}/{a['expected']} deliveries, {a['submissions']} submissions at "
                                   f"{a['rate']}/s")
        results["server"]["memory_end"] = {pid: proc_status(pid) for pid in servers.pids}
    finally:
        servers.stop()
    results["load_during"] = watch.stop()
    results["busy_after"] = other_busy_processes()
    results["total_s"] = round(time.perf_counter() - T0, 1)
    if not args.keep_db:
        drop_database(dsn, args.db)
    shutil.rmtree(work, ignore_errors=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str))
    table = render_table(results)
    print()
    print(table)
    (out.parent / "table.md").write_text(table + "\n")
    log(f"results: {out}  (total {results['total_s']:.0f}s)")
    failed = [f for f in figures if f["pass"] is False]
    return 1 if failed and os.environ.get("BENCH_STRICT") else 0


def alert_phase(servers, base, officers, officer_tokens, owner_tokens, city_id, duration, smoke) -> dict:
    ctx = loadgen.CTX
    out, ready, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    units = [u.unit_id for u in officers]
    half = (len(officers) + 1) // 2
    procs = []
    for _i, (start, end) in enumerate(((0, half), (half, len(officers)))):
        spec = {"urls": servers.urls, "tokens": officer_tokens[start:end], "units": units[start:end], "offset": start,
                "drain": 3.0}
        p = ctx.Process(target=loadgen._entry, args=("sockets", spec, out, ready, stop), daemon=True)
        p.start()
        procs.append(p)
    log(f"alerts: connecting {len(officers)} officer sockets across {len(servers.urls)} server processes")
    connected = sum(ready.get(timeout=300) for _ in procs)
    log(f"alerts: {connected} connected; submitting")
    alert_rate = 5.0
    time.sleep(1.0)
    sub = loadgen.run_processes("open", [{**base, "op": "submit", "tokens": owner_tokens, "record_cases": True,
                                          "duration": duration, "rate": alert_rate, "seed": 9}])[0]
    stop.set()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    received = [row for r in results for row in r.get("received", [])]
    per_unit: dict = {}
    for u in units:
        per_unit[u] = per_unit.get(u, 0) + 1
    submitted = [s for s in sub.get("submitted", []) if s[0]]
    expected = sum(per_unit.get(unit_id, 0) + (per_unit.get(city_id, 0) if unit_id != city_id else 0)
                   for _, unit_id, _ in submitted)
    ours = {s[0] for s in submitted}
    latencies = [row[2] for row in received if row[0] in ours]
    got: dict = {}
    for receipt, _unit, _lat in received:
        got[receipt] = got.get(receipt, 0) + 1
    short = []
    for receipt, unit_id, _ in submitted:
        want = per_unit.get(unit_id, 0) + (per_unit.get(city_id, 0) if unit_id != city_id else 0)
        if got.get(receipt, 0) != want:
            short.append({"receipt_no": receipt, "unit": unit_id, "expected": want, "delivered": got.get(receipt, 0)})
    return {"connected": connected, "connect_s": [round(r.get("connect_s", 0), 1) for r in results],
            "submissions": len(submitted), "rate": alert_rate, "expected": expected, "delivered": len(latencies),
            "latency": summary(latencies), "short_deliveries": short[:20],
            "silent_sockets": [x for r in results for x in r.get("silent_sockets", [])], "short_count": len(short), "submit_flow": summary(sub["lat"].get("flow", [])),
            "errors": {**sub["errors"], **{k: v for r in results for k, v in r.get("errors", {}).items()}},
            "samples": sub["samples"] + [s for r in results for s in r.get("samples", [])]}


def machine() -> dict:
    info = {"hostname": platform.node(), "python": platform.python_version(), "cpus": os.cpu_count(),
            "kernel": platform.release()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        info["memory_gb"] = round(int(mem) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        import psycopg

        with psycopg.connect(os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432") + "/postgres") as c:
            info["postgres"] = c.execute("SHOW server_version").fetchone()[0]
    except Exception:  # noqa: BLE001
        pass
    return info


def _fmt(v) -> str:
    return "-" if v is None else (f"{v:.3f}" if v < 10 else f"{v:.1f}")


def render_table(results: dict) -> str:
    lines = [
        f"Scale {results['scale']} ({results.get('cases_in_db', 0):,} cases); {results['machine'].get('cpus')} CPUs "
        f"{results['machine'].get('cpu', '')}; load average during run {results.get('load_during', {})}",
        "",
        "| Figure | p50 | p90 | p99 | value / throughput | Bar | Result |",
        "| --- | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for f in results["figures"]:
        v = f["value"]
        verdict = {True: "PASS", False: "MISS", None: "info"}[f["pass"]]
        if isinstance(v, dict):
            p50, p90, p99 = (_fmt(v.get(k)) for k in ("p50", "p90", "p99"))
            extra = f"n={v.get('n', 0)}" + (f"; {f['note']}" if f["note"] else "")
            lines.append(f"| {f['figure']} | {p50} ms | {p90} ms | {p99} ms | {extra} | {f['bar']} | {verdict} |")
        else:
            extra = f"{v} {f['unit']}" + (f"; {f['note']}" if f["note"] else "")
            lines.append(f"| {f['figure']} | | | | {extra} | {f['bar']} | {verdict} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
