"""The load generator: asyncio + httpx / websockets, run in separate processes (multiprocessing, spawn).

Nothing here imports Django: the driver gives each process its tokens, URLs and payload ingredients.
Every process returns plain lists of latencies (seconds) and counts.
"""

import asyncio
import json
import multiprocessing as mp
import random
import time
import uuid
from datetime import datetime, timedelta, timezone

CN = timezone(timedelta(hours=8))
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
INSURERS = ["picc", "pingan", "cpic", "chinalife", "ccic", "dadi", "taiping", "sunshine", "tianan", "yongan", "huatai", "dajia"]
CHECKLIST = {k: False for k in ("injury", "no_plate", "no_licence", "drunk_or_drugs", "cannot_move", "property_damage",
                                "suspected_fraud", "disputed")}


def plate(index: int) -> str:
    return f"桂{PLATE_LETTERS[(index // 100000) % 24]}{index % 100000:05d}"


def draft_body(spec: dict, rng: random.Random) -> dict:
    lng, lat = rng.choice(spec["points"])
    pool = spec["plate_pool"]
    occurred = datetime.now(CN) - timedelta(minutes=rng.randint(5, 90))
    return {
        "checklist": CHECKLIST,
        "location": {"lng": lng, "lat": lat, "coord_system": "gcj02", "address": "百色市 压测路"},
        "occurred_at": occurred.replace(microsecond=0).isoformat(),
        "parties": [
            {"plate": plate(rng.randrange(pool)), "vehicle_type": "small_car", "insurer": rng.choice(INSURERS),
             "phone": f"138{rng.randrange(10**8):08d}", "driver_name": "张三"},
            {"plate": plate(rng.randrange(pool)), "vehicle_type": "small_car", "insurer": rng.choice(INSURERS),
             "phone": f"139{rng.randrange(10**8):08d}", "driver_name": "李四"},
        ],
    }


class Recorder:
    def __init__(self) -> None:
        self.lat: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.samples: list[str] = []
        self.extra: dict = {}

    def add(self, name: str, seconds: float) -> None:
        self.lat.setdefault(name, []).append(seconds)

    def error(self, name: str, detail: str) -> None:
        self.errors[name] = self.errors.get(name, 0) + 1
        if len(self.samples) < 5:
            self.samples.append(f"{name}: {detail[:300]}")

    def result(self, elapsed: float) -> dict:
        return {"lat": self.lat, "errors": self.errors, "samples": self.samples, "elapsed": elapsed, **self.extra}


async def _timed(rec: Recorder, name: str, coro, ok=(200, 201)):
    t0 = time.perf_counter()
    try:
        response = await coro
    except Exception as exc:  # noqa: BLE001 - a load tool counts every failure
        rec.error(name, repr(exc))
        return None
    dt = time.perf_counter() - t0
    if response.status_code not in ok:
        rec.error(name, f"{response.status_code} {response.text}")
        return None
    rec.add(name, dt)
    return response


# ---- one operation per scenario -------------------------------------------------------------------

async def op_bare(client, base, spec, rng, rec, task):
    await _timed(rec, "request", client.get(base + "/bench/bare"))


async def op_get(client, base, spec, rng, rec, task):
    headers = {"Authorization": f"Bearer {spec['tokens'][task % len(spec['tokens'])]}"}
    path = spec["path"]
    if "{lng}" in path:
        lng, lat = rng.uniform(104.4, 107.9), rng.uniform(22.8, 25.1)
        path = path.format(lng=round(lng, 6), lat=round(lat, 6))
    await _timed(rec, "request", client.get(base + path, headers=headers))


async def op_submit(client, base, spec, rng, rec, task):
    headers = {"Authorization": f"Bearer {spec['tokens'][task % len(spec['tokens'])]}"}
    t0 = time.perf_counter()
    r = await _timed(rec, "draft", client.post(base + "/api/v1/owner/cases", json=draft_body(spec, rng), headers=headers),
                     ok=(201,))
    if r is None:
        return
    case_id = r.json()["id"]
    key = {"Idempotency-Key": str(uuid.uuid4()), **headers}
    r = await _timed(rec, "submit", client.post(f"{base}/api/v1/owner/cases/{case_id}/submit", headers=key), ok=(201,))
    if r is None:
        return
    rec.add("flow", time.perf_counter() - t0)
    if spec.get("record_cases"):
        body = r.json()
        rec.extra.setdefault("submitted", []).append([body.get("receipt_no"), (body.get("unit") or {}).get("id"), time.time()])


async def op_photos(client, base, spec, rng, rec, task):
    headers = {"Authorization": f"Bearer {spec['tokens'][task % len(spec['tokens'])]}"}
    r = await _timed(rec, "draft", client.post(base + "/api/v1/owner/cases", json=draft_body(spec, rng), headers=headers),
                     ok=(201,))
    if r is None:
        return
    case_id = r.json()["id"]
    for slot, path in zip(("scene_front", "scene_rear", "scene_contact"), spec["photos"], strict=True):
        with open(path, "rb") as f:
            await _timed(rec, "photo", client.post(f"{base}/api/v1/owner/cases/{case_id}/media", headers=headers,
                                                    data={"slot": slot}, files={"file": ("photo.jpg", f, "image/jpeg")}),
                         ok=(201,))
    # Drafts are capped per owner: remove this one so the loop can go on.
    await client.delete(f"{base}/api/v1/owner/cases/{case_id}", headers=headers)


async def op_video(client, base, spec, rng, rec, task):
    headers = {"Authorization": f"Bearer {spec['tokens'][task % len(spec['tokens'])]}"}
    r = await _timed(rec, "draft", client.post(base + "/api/v1/owner/cases", json=draft_body(spec, rng), headers=headers),
                     ok=(201,))
    if r is None:
        return
    case_id = r.json()["id"]
    with open(spec["video"], "rb") as f:
        await _timed(rec, "video", client.post(f"{base}/api/v1/owner/cases/{case_id}/media", headers=headers,
                                                data={"slot": "video"}, files={"file": ("clip.mp4", f, "video/mp4")}),
                     ok=(201,))
    await client.delete(f"{base}/api/v1/owner/cases/{case_id}", headers=headers)


OPS = {"bare": op_bare, "get": op_get, "submit": op_submit, "photos": op_photos, "video": op_video}


async def closed_loop(spec: dict) -> dict:
    """`concurrency` tasks each repeating the operation until `duration` seconds or `iterations` each."""
    import httpx

    rec = Recorder()
    op = OPS[spec["op"]]
    urls = spec["urls"]
    limits = httpx.Limits(max_connections=spec["concurrency"] + 4, max_keepalive_connections=spec["concurrency"] + 4)
    timeout = httpx.Timeout(spec.get("timeout", 60))
    start_at = spec.get("start_at") or time.time()
    await asyncio.sleep(max(0.0, start_at - time.time()))
    cpu_start = time.process_time()
    t_start = time.perf_counter()
    deadline = t_start + spec.get("duration", 1e9)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        async def worker(task: int) -> None:
            rng = random.Random(spec.get("seed", 0) * 1000 + task)
            base = urls[(spec.get("offset", 0) + task) % len(urls)]
            n = 0
            while time.perf_counter() < deadline and n < spec.get("iterations", 10**9):
                await op(client, base, spec, rng, rec, spec.get("offset", 0) + task)
                n += 1

        await asyncio.gather(*(worker(i) for i in range(spec["concurrency"])))
    # The load generator shares the machine with the server: its own CPU is part of the picture.
    rec.extra["client_cpu_s"] = time.process_time() - cpu_start
    return rec.result(time.perf_counter() - t_start)


async def open_loop(spec: dict) -> dict:
    """Operations started at a fixed rate (for the alert test: submissions arrive independently)."""
    import httpx

    rec = Recorder()
    op = OPS[spec["op"]]
    urls = spec["urls"]
    rng = random.Random(spec.get("seed", 0))
    t_start = time.perf_counter()
    async with httpx.AsyncClient(timeout=httpx.Timeout(60)) as client:
        tasks = []
        i = 0
        while time.perf_counter() - t_start < spec["duration"]:
            tasks.append(asyncio.ensure_future(op(client, urls[i % len(urls)], spec, random.Random(rng.random()), rec, i)))
            i += 1
            next_at = t_start + i / spec["rate"]
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        await asyncio.gather(*tasks)
    return rec.result(time.perf_counter() - t_start)


async def sockets(spec: dict, ready, stop) -> dict:
    """Connect one socket per officer token, report ready, and record every alert until told to stop."""
    import httpx
    from websockets.asyncio.client import connect

    rec = Recorder()
    received: list[list] = []
    urls = spec["urls"]
    conns = []

    async def open_one(i: int, token: str):
        base = urls[(spec["offset"] + i) % len(urls)]
        async with httpx.AsyncClient(timeout=30) as client:
            r = await client.post(base + "/api/v1/alerts/ticket", headers={"Authorization": f"Bearer {token}"})
        if r.status_code != 200:
            rec.error("ticket", f"{r.status_code} {r.text}")
            return None
        ws_url = base.replace("http://", "ws://") + "/ws/alerts/?ticket=" + r.json()["ticket"]
        ws = await connect(ws_url, origin=base, open_timeout=60, ping_interval=None, max_queue=None)
        hello = json.loads(await ws.recv())
        if hello.get("type") != "hello":
            rec.error("hello", str(hello))
        return ws

    sem = asyncio.Semaphore(20)

    async def guarded(i, token):
        async with sem:
            try:
                return await open_one(i, token)
            except Exception as exc:  # noqa: BLE001
                rec.error("connect", repr(exc))
                return None

    t0 = time.perf_counter()
    conns = [c for c in await asyncio.gather(*(guarded(i, t) for i, t in enumerate(spec["tokens"]))) if c is not None]
    rec.extra["connected"] = len(conns)
    rec.extra["connect_s"] = time.perf_counter() - t0
    ready.put(len(conns))

    counts = [0] * len(conns)

    async def listen(idx: int, ws):
        unit = spec["units"][idx]
        try:
            async for raw in ws:
                now = time.time()
                msg = json.loads(raw)
                if msg.get("type") == "case.new":
                    counts[idx] += 1
                    created = datetime.fromisoformat(msg["created_at"]).timestamp()
                    received.append([msg.get("receipt_no"), unit, now - created])
        except Exception:  # noqa: BLE001 - closed at the end
            pass

    listeners = [asyncio.ensure_future(listen(i, ws)) for i, ws in enumerate(conns)]
    while not stop.is_set():
        await asyncio.sleep(0.2)
    await asyncio.sleep(spec.get("drain", 2.0))
    for ws in conns:
        await ws.close()
    for task in listeners:
        task.cancel()
    rec.extra["received"] = received
    rec.extra["silent_sockets"] = [[spec["offset"] + i, spec["units"][i], str(getattr(ws, "close_code", None))]
                                   for i, (n, ws) in enumerate(zip(counts, conns, strict=True)) if n == 0]
    return rec.result(time.perf_counter() - t0)


# ---- process plumbing ----------------------------------------------------------------------------

def _entry(kind: str, spec: dict, out, ready=None, stop=None) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    try:
        if kind == "sockets":
            result = asyncio.run(sockets(spec, ready, stop))
        elif kind == "open":
            result = asyncio.run(open_loop(spec))
        else:
            result = asyncio.run(closed_loop(spec))
    except Exception as exc:  # noqa: BLE001
        import traceback

        result = {"lat": {}, "errors": {"process": 1}, "samples": [traceback.format_exc()[-1500:]], "elapsed": 0.0,
                  "exc": repr(exc)}
    out.put(result)


CTX = mp.get_context("spawn")


def run_processes(kind: str, specs: list[dict]) -> list[dict]:
    out = CTX.Queue()
    procs = [CTX.Process(target=_entry, args=(kind, spec, out), daemon=True) for spec in specs]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join(timeout=30)
    return results


def merge(results: list[dict]) -> dict:
    merged = {"lat": {}, "errors": {}, "samples": [], "elapsed": max((r.get("elapsed", 0) for r in results), default=0)}
    for r in results:
        for k, v in r.get("lat", {}).items():
            merged["lat"].setdefault(k, []).extend(v)
        for k, v in r.get("errors", {}).items():
            merged["errors"][k] = merged["errors"].get(k, 0) + v
        merged["samples"].extend(r.get("samples", []))
        for k, v in r.items():
            if k in ("lat", "errors", "samples", "elapsed"):
                continue
            if isinstance(v, list):
                merged.setdefault(k, []).extend(v)
            elif k == "client_cpu_s":
                merged[k] = merged.get(k, 0.0) + v
            else:
                merged.setdefault(k, v)
    return merged


def load(kind: str, base_spec: dict, processes: int, concurrency: int) -> dict:
    """Split `concurrency` tasks over `processes` processes and merge their results."""
    specs = []
    per = [concurrency // processes + (1 if i < concurrency % processes else 0) for i in range(processes)]
    offset = 0
    start_at = time.time() + 1.5  # every process starts together, after its imports
    # A fresh seed per call: a warm-up and the measured run after it must not post the same plates
    # and phones again, which would turn every repeated pair into a fraud warning.
    salt = random.randrange(1, 1 << 20) * 100
    for i, n in enumerate(per):
        if n == 0:
            continue
        specs.append({**base_spec, "concurrency": n, "offset": offset, "seed": salt + i + 1, "start_at": start_at})
        offset += n
    return merge(run_processes(kind, specs))
