"""A private dovecot IMAP server on a free loopback port: its own config dir,
users from a static passwd-file, maildirs in a temporary directory, no system
service. Runs as the current user; stopped (and its files removed) by `stop()`."""

import getpass
import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = 0
mail_location = maildir:{root}/mail/%u
service imap-login {{
  user = {login_user}
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    user = {user}
  }}
  unix_listener stats-writer {{
    user = {user}
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
  default_fields = uid={uid} gid={gid} home={root}/home/%u
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Dovecot:
    root: Path
    port: int
    users: dict[str, str]
    host: str = "127.0.0.1"

    @classmethod
    def start(cls, users: dict[str, str]) -> "Dovecot":
        root = Path(tempfile.mkdtemp(prefix="dovecot-"))
        for sub in ("run", "state", "mail", "home"):
            (root / sub).mkdir()
        uid, gid, user = os.getuid(), os.getgid(), getpass.getuser()
        login_user = user
        if uid == 0:
            # dovecot refuses to run its login and mail processes as root.
            login_user = "dovenull"
            account = pwd.getpwnam("dovecot")
            uid, gid, user = account.pw_uid, account.pw_gid, account.pw_name
            os.chmod(root, 0o755)  # noqa: S103 - the dovecot user reads its config
            for sub in ("state", "mail", "home"):
                os.chown(root / sub, uid, gid)
        (root / "passwd").write_text(
            "".join(f"{name}:{{PLAIN}}{pw}::::::\n" for name, pw in users.items())
        )
        server = cls(root=root, port=free_port(), users=users)
        (root / "dovecot.conf").write_text(
            CONFIG.format(
                root=root,
                port=server.port,
                user=user,
                login_user=login_user,
                group=grp.getgrgid(gid).gr_name,
                uid=uid,
                gid=gid,
            )
        )
        conf = str(root / "dovecot.conf")
        subprocess.run([DOVECOT, "-c", conf], check=True)  # noqa: S603 - fixed argv
        try:
            server.wait_ready()
        except RuntimeError:
            server.stop()
            raise
        return server

    def wait_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as s:
                    if s.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not answer: {self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        conf = str(self.root / "dovecot.conf")
        subprocess.run([DOVECOT, "-c", conf, "stop"], check=False)  # noqa: S603
        pid_file = self.root / "run" / "master.pid"
        deadline = time.monotonic() + 10
        while pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        shutil.rmtree(self.root, ignore_errors=True)
