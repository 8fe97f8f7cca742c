"""Private Redis and PostgreSQL servers that a test starts, stops and starts again.

Outage tests break only what they started themselves: never the machine's shared services.
Redis listens on a free loopback port; PostgreSQL on a Unix socket only (no TCP at all).
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path


def free_port():
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check, seconds=20, what="service"):
    """Poll `check()` until it is true; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not come up in {seconds} s")


class PrivateRedis:
    """A throwaway redis-server on 127.0.0.1:port, no persistence."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.answers, what="redis-server")

    def stop(self):
        self.process.terminate()
        self.process.wait(10)
        self.process = None


def _pg_bin(name):
    """Return the path of a PostgreSQL server program (Debian keeps them out of PATH)."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        raise FileNotFoundError(f"{name}: install postgresql (./dev test does)")
    return str(found[-1])


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on a Unix socket in a temporary folder.

    The server refuses to run as root, so as root it runs as the 'postgres' system user.
    """

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="mapapp-pg-"))
        self.data, self.socket = self.folder / "data", self.folder / "socket"
        self.port = free_port()  # names the socket file; nothing listens on TCP
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.url = (f"postgresql+psycopg://postgres@/mapapp?host={self.socket}"
                    f"&port={self.port}&connect_timeout=2")

    def _run(self, *args):
        subprocess.run([*self.as_user, *args], check=True, capture_output=True)

    def create(self):
        self.socket.mkdir()
        if self.as_user:
            shutil.chown(self.folder, "postgres")
            shutil.chown(self.socket, "postgres")
        self._run(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8")
        self.start()
        self.psql("postgres", "CREATE DATABASE mapapp")
        self.psql("mapapp", "CREATE EXTENSION postgis")

    def psql(self, database, sql):
        self._run("psql", "-h", str(self.socket), "-p", str(self.port), "-U", "postgres",
                  "-d", database, "-qc", sql)

    def start(self):
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-w", "-l",
                  str(self.folder / "log"), "-o",
                  f"-p {self.port} -k {self.socket} -c listen_addresses=''", "start")

    def stop(self):
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-w", "-m", "immediate", "stop")

    def destroy(self):
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def private_redis():
    """Yield a started PrivateRedis; stop it at the end."""
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        if server.process:
            server.stop()


@contextmanager
def private_postgres():
    """Yield a started PrivatePostgres with a 'mapapp' database and PostGIS; remove it after."""
    server = PrivatePostgres()
    try:
        server.create()
        yield server
    finally:
        server.destroy()


@contextmanager
def serve_nginx(folder, site, port):
    """Run nginx with `site` (a server block) listening on `port`, files in `folder`; the
    surrounding config logs everything it is allowed to (access log on, error log at info), so
    only the site's own settings keep addresses out."""
    import pytest

    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        pytest.fail("nginx is not installed: run the suite with ./dev test, which installs it")
    (folder / "site.conf").write_text(site)
    user = "user root;" if os.geteuid() == 0 else ""  # workers must reach the temp folder
    temp = " ".join(f"{kind}_temp_path {folder / kind};"
                    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (folder / "nginx.conf").write_text(f"""
        {user}
        daemon off;
        pid {folder / 'nginx.pid'};
        error_log {folder / 'main-error.log'} info;
        events {{ worker_connections 256; }}
        http {{
            access_log {folder / 'access.log'};
            {temp}
            include {folder / 'site.conf'};
        }}""")
    config = ["-p", str(folder), "-c", str(folder / "nginx.conf")]
    checked = subprocess.run([binary, "-t", *config], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen([binary, *config], stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: _listening(port), what="nginx")
        yield
    finally:
        process.terminate()
        process.wait(10)


def _listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
