#!/usr/bin/python3
"""libtorrent as a streaming client for Reel's bench, with a local HTTP Range endpoint.

It listens on 127.0.0.1 only (DHT, LSD, UPnP, NAT-PMP off; TCP only; the client
itself has no rate limits) and serves HTTP on 127.0.0.1:
  POST /api/torrents            raw .torrent -> 201 {infoHash, name, files, streamUrl}
  GET  /api/torrents/<hash>     progress, peers, bytes downloaded
  GET  /stream/<hash>/<file>    Range (bytes=a-b, a-, -n) -> 206, bytes as pieces arrive
A stream reader works the way streaming front-ends on libtorrent do: the piece it
needs now gets set_piece_deadline(piece, 0, alert_when_available), the next
WINDOW pieces get deadlines growing by STEP_MS per piece, and it waits for the
read_piece_alert carrying the data (re-asking every second, so a piece that is
already there is read at once). When the HTTP client goes away its deadlines are
reset. Torrents are added with sequential_download (the rest of the bandwidth
goes to the next pieces in order) unless --no-sequential.
Stdout: JSON lines {"event": listening|added|error|exit}. Exits on SIGTERM,
SIGINT or when stdin closes.
"""

import argparse
import faulthandler
import json
import os
import re
import select
import signal
import socket
import sys
import threading
import time
import traceback
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import libtorrent as lt
from lt_alerts import AlertWaker

WINDOW = 8          # pieces with a deadline ahead of a reader's position
STEP_MS = 250       # deadline spacing between consecutive pieces (4 MiB/s of 1 MiB pieces)
PIECE_TIMEOUT = 120  # seconds a reader waits for one piece before giving up


def emit(event, **fields):
    sys.stdout.write(json.dumps({"event": event, **fields}, separators=(",", ":")) + "\n")
    sys.stdout.flush()


class PieceBuffers:
    """Piece data from read_piece_alerts, keyed by (info hash, piece), for the readers waiting on it."""

    def __init__(self, limit=24):
        self.cond = threading.Condition()
        self.data = OrderedDict()
        self.limit = limit

    def put(self, key, buf):
        with self.cond:
            self.data[key] = buf
            self.data.move_to_end(key)
            while len(self.data) > self.limit:
                self.data.popitem(last=False)
            self.cond.notify_all()

    def get(self, key, timeout=0.0):
        with self.cond:
            if key not in self.data and timeout > 0:
                self.cond.wait(timeout)
            return self.data.get(key)


class ClientGone(Exception):
    pass


def make_session(args):
    cats = lt.alert.category_t
    return lt.session({
        "listen_interfaces": "127.0.0.1:0",
        "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
        "enable_outgoing_utp": False, "enable_incoming_utp": False,
        "out_enc_policy": lt.enc_policy.disabled, "in_enc_policy": lt.enc_policy.enabled,
        "allow_multiple_connections_per_ip": True,
        "alert_mask": cats.error_notification | cats.status_notification | cats.storage_notification,
        "peer_connect_timeout": 3, "min_reconnect_time": 1, "connection_speed": 50,
        "stop_tracker_timeout": 1,
        "user_agent": "reel-bench-stream/libtorrent-" + lt.__version__,
    })


def parse_range(header, length):
    """(start, end inclusive, partial) or None when unsatisfiable."""
    m = re.fullmatch(r"bytes=(\d*)-(\d*)", (header or "").strip())
    if m is None or (m.group(1) == "" and m.group(2) == ""):
        return 0, length - 1, False
    if m.group(1) == "":
        n = int(m.group(2))
        return (max(0, length - n), length - 1, True) if n > 0 else None
    start = int(m.group(1))
    end = min(int(m.group(2)), length - 1) if m.group(2) else length - 1
    return (start, end, True) if start < length and start <= end else None


def serve(args, ses, buffers, stopping):
    torrents = {}  # info hash -> (handle, the torrent_info it was added with)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def send_json(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def describe(self, ih, ti):
            fs = ti.files()
            return {"infoHash": ih, "name": ti.name(),
                    "files": [{"index": i, "path": fs.file_path(i), "length": fs.file_size(i)} for i in range(fs.num_files())],
                    "streamUrl": "http://127.0.0.1:%d/stream/%s/0" % (self.server.server_address[1], ih)}

        def do_POST(self):
            try:
                self.add()
            except Exception:
                emit("error", message=traceback.format_exc())
                self.send_json(500, {"error": traceback.format_exc()})

        def add(self):
            if self.path != "/api/torrents":
                return self.send_json(404, {"error": "not found"})
            try:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                atp = lt.add_torrent_params()
                ti = lt.torrent_info(lt.bdecode(body))
                atp.ti = ti
                atp.save_path = args.save
                flags = atp.flags & ~lt.torrent_flags.auto_managed & ~lt.torrent_flags.paused
                if args.sequential:
                    flags |= lt.torrent_flags.sequential_download
                atp.flags = flags
                h = ses.add_torrent(atp)
            except Exception as err:  # a bad torrent is the caller's problem, not ours
                return self.send_json(400, {"error": str(err)})
            ih = str(h.info_hash())
            torrents[ih] = (h, ti)
            emit("added", infoHash=ih, name=ti.name())
            self.send_json(201, self.describe(ih, ti))

        def do_GET(self):
            m = re.fullmatch(r"/api/torrents/([0-9a-f]{40})", self.path)
            if m and m.group(1) in torrents:
                h, ti = torrents[m.group(1)]
                st = h.status()
                return self.send_json(200, {**self.describe(m.group(1), ti), "progress": st.progress,
                                            "downloaded": st.total_payload_download, "peers": st.num_peers,
                                            "downloadRate": st.download_payload_rate})
            m = re.fullmatch(r"/stream/([0-9a-f]{40})/(\d+)", self.path)
            if m is None or m.group(1) not in torrents:
                return self.send_json(404, {"error": "not found"})
            self.stream(m.group(1), *torrents[m.group(1)], int(m.group(2)))

        def client_gone(self):
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            try:
                return self.connection.recv(1, socket.MSG_PEEK) == b""
            except OSError:
                return True

        def wait_piece(self, ih, h, piece):
            key = (ih, piece)
            buf = buffers.get(key)
            asked = 0.0
            started = time.monotonic()
            while buf is None:
                now = time.monotonic()
                if now - asked >= 1.0:
                    asked = now
                    h.set_piece_deadline(piece, 0, lt.deadline_flags_t.alert_when_available)
                if self.client_gone() or stopping.is_set() or now - started > PIECE_TIMEOUT:
                    raise ClientGone()
                buf = buffers.get(key, 0.05)
            return buf

        def stream(self, ih, h, ti, index):
            fs = ti.files()
            if index >= fs.num_files():
                return self.send_json(404, {"error": "no such file"})
            length = fs.file_size(index)
            rng = parse_range(self.headers.get("range"), length)
            if rng is None:
                self.send_response(416)
                self.send_header("content-range", "bytes */%d" % length)
                self.send_header("content-length", "0")
                return self.end_headers()
            start, end, partial = rng
            self.send_response(206 if partial else 200)
            self.send_header("accept-ranges", "bytes")
            self.send_header("content-type", "application/octet-stream")
            self.send_header("content-length", str(end - start + 1))
            if partial:
                self.send_header("content-range", "bytes %d-%d/%d" % (start, end, length))
            self.end_headers()
            plen = ti.piece_length()
            pos = fs.file_offset(index) + start
            last_byte = fs.file_offset(index) + end
            last_piece = last_byte // plen
            piece = pos // plen
            try:
                while pos <= last_byte:
                    piece = pos // plen
                    for k in range(1, WINDOW + 1):
                        if piece + k <= last_piece:
                            h.set_piece_deadline(piece + k, k * STEP_MS)
                    buf = self.wait_piece(ih, h, piece)
                    lo = pos - piece * plen
                    hi = min(last_byte - piece * plen + 1, len(buf))
                    self.wfile.write(buf[lo:hi])
                    pos = piece * plen + hi
            except (ClientGone, BrokenPipeError, ConnectionResetError, TimeoutError):
                self.close_connection = True
            finally:
                for p in range(piece, min(piece + WINDOW, last_piece) + 1):
                    if not h.have_piece(p):
                        h.reset_piece_deadline(p)

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def dispatch_alerts(ses, buffers, stopping):
    waker = AlertWaker(ses)
    while not stopping.is_set():
        waker.wait(100)
        for al in ses.pop_alerts():
            if isinstance(al, lt.read_piece_alert):
                # a failed read (e.g. the deadline was reset) is not cached: waiters ask again
                if al.error.value() == 0:
                    buffers.put((str(al.handle.info_hash()), al.piece), bytes(al.buffer))
            elif isinstance(al, (lt.torrent_error_alert, lt.file_error_alert, lt.listen_failed_alert)):
                emit("error", message=al.message())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--save", required=True, help="where downloaded data goes")
    p.add_argument("--port", type=int, default=0, help="HTTP port, 0 picks a free one")
    p.add_argument("--no-sequential", dest="sequential", action="store_false",
                   help="leave the pieces no reader needs to rarest-first (default: sequential_download)")
    p.add_argument("--ignore-stdin", action="store_true", help="do not exit when stdin closes")
    args = p.parse_args()
    os.makedirs(args.save, exist_ok=True)
    faulthandler.enable()  # a crash inside libtorrent prints every thread's Python stack to stderr

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    if not args.ignore_stdin:
        def watch_stdin():
            try:
                sys.stdin.read()
            finally:
                stopping.set()
        threading.Thread(target=watch_stdin, daemon=True).start()

    ses = make_session(args)
    buffers = PieceBuffers()
    threading.Thread(target=dispatch_alerts, args=(ses, buffers, stopping), daemon=True).start()
    server = serve(args, ses, buffers, stopping)
    deadline = time.monotonic() + 10
    while ses.listen_port() == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    emit("listening", url="http://127.0.0.1:%d" % server.server_address[1], port=ses.listen_port())
    while not stopping.wait(0.2):
        pass
    server.shutdown()
    ses.pause()
    emit("exit", code=0)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
