"""The server under test: separate uvicorn processes (one ASGI worker each) on consecutive ports, as in
production behind nginx, sharing PostgreSQL (psycopg pool) and channels-redis."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

BACKEND = Path(__file__).resolve().parent.parent


def free_port_block(count: int, start: int = 18300) -> int:
    port = start
    while port < 30000:
        ok = True
        for p in range(port, port + count):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
                    break
        if ok:
            return port
        port += count
    raise RuntimeError("no free ports")


class Servers:
    def __init__(self, env: dict, processes: int, log_dir: Path) -> None:
        self.env = env
        self.count = processes
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen] = []
        self.ports: list[int] = []

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.ports]

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def start(self) -> None:
        base = free_port_block(self.count)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for i in range(self.count):
            port = base + i
            log = open(self.log_dir / f"server-{port}.log", "wb")
            app = self.env.get("BENCH_ASGI_APP", "config.asgi:application")  # bench/floor.py's experiment sets it
            cmd = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
                   "--ws", "websockets", "--lifespan", "off", "--no-access-log", "--loop", "uvloop", "--http", "httptools",
                   "--backlog", "4096"]
            self.procs.append(subprocess.Popen(cmd, cwd=BACKEND, env=self.env, stdout=log, stderr=subprocess.STDOUT))
            self.ports.append(port)
        deadline = time.time() + 60
        for url in self.urls:
            while True:
                try:
                    if httpx.get(url + "/bench/bare", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.time() > deadline or any(p.poll() is not None for p in self.procs):
                    self.stop()
                    raise RuntimeError(f"server did not start; see {self.log_dir}")
                time.sleep(0.2)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs, self.ports = [], []


def proc_status(pid: int) -> dict:
    """VmRSS / VmHWM in kB from /proc/<pid>/status."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    except OSError:
        pass
    return out


def reset_hwm(pid: int) -> bool:
    """Writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0, needs ownership)."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def load_average() -> list[float]:
    return list(os.getloadavg())
