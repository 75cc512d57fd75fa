#!/usr/bin/python3
"""A libtorrent peer for Reel's tests and benches, driven by CLI flags.

It speaks a line protocol on stdout: one JSON object per line with an "event"
field (listening, added, metadata, checked, finished, progress, peer,
hash_failed, tracker_error, error, exit). It talks to 127.0.0.1 only: DHT, LSD,
UPnP and NAT-PMP are off and the only trackers are those of the torrent or
magnet. It exits cleanly on SIGTERM, SIGINT or when stdin closes, so a parent
that dies takes its peers with it. Lines on stdin are commands: `connect HOST:PORT`.

--corrupt makes a seeder serve wrong data: it checks the real data, then
overwrites every file on disk with different bytes. libtorrent already counts
the pieces as verified and never hashes what it uploads, so the leecher gets
pieces that fail their SHA-1 (seed_mode is no good for this: libtorrent
verifies each piece on its first request in seed_mode).
"""

import argparse
import json
import os
import queue
import signal
import sys
import threading
import time

import libtorrent as lt
from lt_alerts import AlertWaker


def emit(event, **fields):
    fields = {"event": event, **fields}
    sys.stdout.write(json.dumps(fields, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--torrent", help=".torrent file")
    src.add_argument("--magnet", help="magnet URI")
    p.add_argument("--save", required=True, help="save directory (data of a seeder is read from here)")
    p.add_argument("--mode", choices=["seed", "leech"], default="leech")
    p.add_argument("--listen-port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--upload-limit", type=int, default=0, help="bytes/s, 0 = unlimited")
    p.add_argument("--download-limit", type=int, default=0, help="bytes/s, 0 = unlimited")
    p.add_argument("--peer", action="append", default=[], help="HOST:PORT to connect to (repeatable)")
    p.add_argument("--seed-mode", action="store_true",
                   help="seed without checking the data up front (libtorrent verifies each piece on its first request)")
    p.add_argument("--corrupt", action="store_true", help="seed wrong data that fails piece hashes")
    p.add_argument("--utp", action="store_true", help="also use uTP (off: TCP only)")
    p.add_argument("--encrypt", action="store_true",
                   help="try MSE encryption on outgoing connections (default plaintext; incoming accepts both)")
    p.add_argument("--sequential", action="store_true", help="download pieces in order")
    p.add_argument("--interval", type=float, default=0.5, help="seconds between progress lines")
    p.add_argument("--ignore-stdin", action="store_true", help="do not exit when stdin closes")
    a = p.parse_args()
    if a.corrupt and a.mode != "seed":
        p.error("--corrupt needs --mode seed")
    if a.corrupt and not a.torrent:
        p.error("--corrupt needs --torrent")
    return a


def make_session(a):
    cats = lt.alert.category_t
    mask = (cats.error_notification | cats.status_notification | cats.storage_notification
            | cats.tracker_notification | cats.peer_notification | cats.connect_notification)
    settings = {
        "listen_interfaces": "127.0.0.1:%d" % a.listen_port,
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_outgoing_utp": a.utp,
        "enable_incoming_utp": a.utp,
        "enable_outgoing_tcp": True,
        "enable_incoming_tcp": True,
        "allow_multiple_connections_per_ip": True,
        # Outgoing handshakes in plaintext unless asked: with "enabled" libtorrent tries
        # MSE first and only retries in plaintext after a peer without MSE drops it.
        "out_enc_policy": lt.enc_policy.enabled if a.encrypt else lt.enc_policy.disabled,
        "in_enc_policy": lt.enc_policy.enabled,
        "alert_mask": mask,
        "upload_rate_limit": a.upload_limit,
        "download_rate_limit": a.download_limit,
        "stop_tracker_timeout": 1,
        "tracker_completion_timeout": 5,
        # Tests are short: connect fast, retry soon, unchoke everyone on the box.
        "peer_connect_timeout": 3,
        "min_reconnect_time": 1,
        "connection_speed": 50,
        "unchoke_slots_limit": 16,
        "user_agent": "reel-test-peer/libtorrent-" + lt.__version__,
    }
    ses = lt.session(settings)
    # Peers on 127.0.0.1 fall in libtorrent's "local" peer class, which has no rate
    # limits. Put every address in the global class so --upload/--download-limit apply.
    f = lt.ip_filter()
    f.add_rule("0.0.0.0", "255.255.255.255", 1 << ses.global_peer_class_id)
    f.add_rule("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 << ses.global_peer_class_id)
    ses.set_peer_class_filter(f)
    return ses


def wait_listening(ses, waker, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waker.wait(100)
        for al in ses.pop_alerts():
            if isinstance(al, lt.listen_failed_alert):
                emit("error", message="listen failed: " + al.message())
                sys.exit(2)
        if ses.is_listening() and ses.listen_port() != 0:
            return ses.listen_port()
    emit("error", message="listen timed out")
    sys.exit(2)


def corrupt_files(ti, save_path):
    """Overwrites every file of the torrent with bytes that differ from the real ones."""
    files = ti.files()
    for i in range(files.num_files()):
        path = os.path.join(save_path, files.file_path(i))
        size = files.file_size(i)
        with open(path, "r+b") as fh:
            pos = 0
            while pos < size:
                n = min(1 << 20, size - pos)
                fh.seek(pos)
                chunk = fh.read(n)
                flipped = int.from_bytes(chunk, "little") ^ int.from_bytes(b"\x5a" * len(chunk), "little")
                fh.seek(pos)
                fh.write(flipped.to_bytes(len(chunk), "little"))
                pos += n
            fh.flush()
            os.fsync(fh.fileno())


def main():
    a = parse_args()
    stopping = threading.Event()

    def on_signal(_sig, _frame):
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    commands = queue.Queue()
    if not a.ignore_stdin:
        def watch_stdin():
            try:
                for line in sys.stdin:
                    commands.put(line.strip())
            except Exception:
                pass
            stopping.set()
        threading.Thread(target=watch_stdin, daemon=True).start()

    os.makedirs(a.save, exist_ok=True)
    ses = make_session(a)
    waker = AlertWaker(ses)
    port = wait_listening(ses, waker)
    emit("listening", port=port)

    if a.torrent:
        atp = lt.add_torrent_params()
        atp.ti = lt.torrent_info(a.torrent)
    else:
        atp = lt.parse_magnet_uri(a.magnet)
    atp.save_path = a.save
    flags = atp.flags
    flags &= ~lt.torrent_flags.auto_managed
    flags &= ~lt.torrent_flags.paused
    if a.seed_mode and a.mode == "seed":
        flags |= lt.torrent_flags.seed_mode
    if a.sequential:
        flags |= lt.torrent_flags.sequential_download
    if a.corrupt:
        # Check the real data first, then swap it for garbage (see the module doc).
        flags &= ~lt.torrent_flags.seed_mode
    atp.flags = flags
    h = ses.add_torrent(atp)
    emit("added", infoHash=str(h.info_hash()), name=h.status().name)

    for peer in a.peer:
        host, _, p = peer.rpartition(":")
        h.connect_peer((host, int(p)))

    finished = False
    corrupted = not a.corrupt
    hash_fails = 0
    last_progress = 0.0

    while not stopping.is_set():
        waker.wait(100)
        while not commands.empty():
            cmd = commands.get_nowait().split()
            if len(cmd) == 2 and cmd[0] == "connect":
                host, _, p = cmd[1].rpartition(":")
                h.connect_peer((host, int(p)))
            elif cmd:
                emit("error", message="unknown command: " + " ".join(cmd))
        for al in ses.pop_alerts():
            if isinstance(al, lt.metadata_received_alert):
                emit("metadata", name=h.status().name)
            elif isinstance(al, lt.torrent_checked_alert):
                st = h.status()
                emit("checked", progress=st.progress)
                if a.mode == "seed" and not st.is_seeding and not a.corrupt:
                    emit("error", message="seed data incomplete after check", progress=st.progress)
            elif isinstance(al, lt.hash_failed_alert):
                hash_fails += 1
                emit("hash_failed", piece=al.piece_index)
            elif isinstance(al, lt.peer_connect_alert):
                emit("peer", action="connect", address="%s:%d" % (al.endpoint[0], al.endpoint[1]))
            elif isinstance(al, lt.incoming_connection_alert):
                emit("peer", action="incoming", address="%s:%d" % (al.endpoint[0], al.endpoint[1]))
            elif isinstance(al, lt.peer_disconnected_alert):
                emit("peer", action="disconnect", address="%s:%d" % (al.endpoint[0], al.endpoint[1]),
                     reason=al.message())
            elif isinstance(al, lt.peer_ban_alert):
                emit("peer", action="ban", address="%s:%d" % (al.endpoint[0], al.endpoint[1]))
            elif isinstance(al, lt.tracker_error_alert):
                emit("tracker_error", url=al.tracker_url(), message=al.message())
            elif isinstance(al, (lt.torrent_error_alert, lt.file_error_alert)):
                emit("error", message=al.message())
            elif isinstance(al, lt.listen_failed_alert):
                emit("error", message=al.message())

        st = h.status()
        if not corrupted and st.is_seeding:
            corrupt_files(h.torrent_file(), a.save)
            corrupted = True
            emit("corrupted")
        if not finished and corrupted and st.has_metadata and st.is_finished \
                and st.state not in (lt.torrent_status.checking_files, lt.torrent_status.checking_resume_data):
            finished = True
            emit("finished")

        now = time.monotonic()
        if now - last_progress >= a.interval:
            last_progress = now
            emit("progress", progress=round(st.progress, 6), state=str(st.state), peers=st.num_peers,
                 seeds=st.num_seeds, downloadRate=st.download_payload_rate, uploadRate=st.upload_payload_rate,
                 downloaded=st.total_payload_download, uploaded=st.total_payload_upload,
                 failedBytes=st.total_failed_bytes, hashFails=hash_fails)

    ses.pause()
    emit("exit", code=0)
    # the destructor sends "stopped" announces (stop_tracker_timeout bounds the wait)
    del ses
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
