"""Waiting for libtorrent alerts without ses.wait_for_alert().

The python binding wraps the alert pointer wait_for_alert() returns, which libtorrent's network
thread can move while it posts more alerts: a segfault every ~15 runs. Instead the session
writes a byte to a pipe whenever alerts arrive, and we sleep in select() on that pipe.
"""
import os
import select


class AlertWaker:
    def __init__(self, ses):
        self._read_fd, write_fd = os.pipe()
        os.set_blocking(self._read_fd, False)
        ses.set_alert_fd(write_fd)

    def wait(self, timeout_ms):
        """Returns when alerts may be pending, or after timeout_ms."""
        if select.select([self._read_fd], [], [], timeout_ms / 1000)[0]:
            try:
                while os.read(self._read_fd, 4096):
                    pass
            except BlockingIOError:
                pass
