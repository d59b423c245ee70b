"""A PostgreSQL primary and a streaming standby of the tests' own, made with the machine's PostgreSQL
server programs (initdb, pg_basebackup, pg_ctl) on free ports in a temporary directory. Run as root,
the programs run as the `postgres` user, as PostgreSQL requires."""

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg


def server_bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if candidates:  # Debian and Ubuntu keep the server programs out of PATH
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError("PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup) are not installed")


class ReplicatedPostgres:
    def __init__(self, tmp: Path, primary_port: int, standby_port: int) -> None:
        self.bin = server_bindir()
        self.dir = tmp
        self.ports = {"primary": primary_port, "standby": standby_port}
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(tmp, "postgres")
            for parent in (tmp, *tmp.parents):  # the postgres user must reach its directory
                if parent == Path(tempfile.gettempdir()):
                    break
                parent.chmod(parent.stat().st_mode | 0o055)

    def url(self, node: str, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.ports[node]}/{database}"

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([*self.as_postgres, str(self.bin / program), *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, cwd=self.dir)

    def _configure(self, node: str) -> None:
        conf = self.dir / node / "postgresql.conf"
        with open(conf, "a") as f:
            f.write(f"\nport = {self.ports[node]}\nlisten_addresses = '127.0.0.1'\n"
                    f"unix_socket_directories = '{self.dir}'\nfsync = off\nmax_connections = 60\n")

    def start(self) -> None:
        self._run("initdb", "-D", str(self.dir / "primary"), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        self._configure("primary")
        with open(self.dir / "primary" / "pg_hba.conf", "a") as f:
            f.write("\nhost replication all 127.0.0.1/32 trust\n")
        self.start_node("primary")
        self._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.ports["primary"]), "-U", "postgres",
                  "-D", str(self.dir / "standby"), "-R", "-X", "stream")
        self._configure("standby")  # the later port line wins over the copied one
        self.start_node("standby")

    def start_node(self, node: str) -> None:
        self._run("pg_ctl", "-D", str(self.dir / node), "-l", str(self.dir / f"{node}.log"), "-w", "start")

    def stop_node(self, node: str) -> None:
        self._run("pg_ctl", "-D", str(self.dir / node), "-m", "immediate", "-w", "stop")

    def execute(self, node: str, sql: str, params=(), database: str = "postgres") -> list[tuple]:
        with psycopg.connect(self.url(node, database), autocommit=True) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def wait_replayed(self, timeout: float = 30) -> None:
        """Until the standby has replayed everything the primary has written so far."""
        target = self.execute("primary", "SELECT pg_current_wal_lsn()")[0][0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.execute("standby", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,))[0][0]:
                return
            time.sleep(0.05)
        raise AssertionError(f"standby did not replay up to {target}")

    def destroy(self) -> None:
        for node in ("standby", "primary"):
            if (self.dir / node / "postmaster.pid").exists():
                try:
                    self.stop_node(node)
                except subprocess.CalledProcessError:
                    pass
        shutil.rmtree(self.dir, ignore_errors=True)
