#!/usr/bin/python3
"""A libtorrent leecher that counts what each source sent it (test/helpers/libtorrent-leecher.ts).

It downloads one torrent from the peers named with --peer only: PEX, DHT, LSD, UPnP and
NAT-PMP are off and trackers are ignored, so it never meets other leechers. Every --interval
seconds it prints {"event": "progress", "downloaded", "fromPeers": {"HOST:PORT": bytes}, ...}
where fromPeers counts payload received from each named peer over every connection to it,
counted once when libtorrent carries a peer's total over to its next connection.
Commands on stdin: `connect HOST:PORT` (a new named peer). It exits on SIGTERM, SIGINT or
when stdin closes.
"""

import argparse
import json
import queue
import signal
import sys
import threading
import time

import libtorrent as lt


def emit(event, **fields):
    sys.stdout.write(json.dumps({"event": event, **fields}, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--torrent", required=True)
    p.add_argument("--save", required=True)
    p.add_argument("--peer", action="append", default=[])
    p.add_argument("--interval", type=float, default=0.2)
    p.add_argument("--download-limit", type=int, default=0)
    a = p.parse_args()

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    commands = queue.Queue()

    def read_stdin():
        for line in sys.stdin:
            commands.put(line.strip())
        stopping.set()
    threading.Thread(target=read_stdin, daemon=True).start()

    ses = lt.session({
        "listen_interfaces": "127.0.0.1:0",
        "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
        "enable_outgoing_utp": False, "enable_incoming_utp": False,
        "out_enc_policy": lt.enc_policy.disabled, "in_enc_policy": lt.enc_policy.enabled,
        "allow_multiple_connections_per_ip": True,
        "download_rate_limit": a.download_limit,
        "peer_connect_timeout": 3, "min_reconnect_time": 1,
        "alert_mask": lt.alert.category_t.error_notification,
    })
    f = lt.ip_filter()
    f.add_rule("0.0.0.0", "255.255.255.255", 1 << ses.global_peer_class_id)
    ses.set_peer_class_filter(f)
    deadline = time.monotonic() + 10
    while ses.listen_port() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    emit("listening", port=ses.listen_port())

    atp = lt.add_torrent_params()
    atp.ti = lt.torrent_info(a.torrent)
    atp.save_path = a.save
    atp.trackers = []
    atp.flags = (atp.flags & ~lt.torrent_flags.auto_managed & ~lt.torrent_flags.paused) | lt.torrent_flags.disable_pex
    h = ses.add_torrent(atp)
    h.replace_trackers([])
    emit("added", infoHash=str(h.info_hash()), name=h.status().name)

    named = set()
    # libtorrent keeps a peer's payload total across its connections: a reconnection to the same
    # address starts from the total of the one before, rounded down to whole KiB (it keeps it in
    # KiB). So per named peer, `seen` is the highest total read, and a connection that starts
    # below it is a fresh count (libtorrent forgot the peer): what came before moves to `earlier`.
    earlier = {}
    seen = {}

    def connect(peer):
        host, _, port = peer.rpartition(":")
        named.add((host, int(port)))
        h.connect_peer((host, int(port)))

    for peer in a.peer:
        connect(peer)

    last = 0.0
    while not stopping.is_set():
        time.sleep(0.05)
        while not commands.empty():
            cmd = commands.get_nowait().split()
            if len(cmd) == 2 and cmd[0] == "connect":
                connect(cmd[1])
        ses.pop_alerts()
        now = time.monotonic()
        if now - last < a.interval:
            continue
        last = now
        current = {}
        for info in h.get_peer_info():
            endpoint = (info.ip[0], info.ip[1])
            # An old connection still closing and its successor both carry the same total.
            if endpoint in named:
                current[endpoint] = max(current.get(endpoint, 0), info.total_download)
        for endpoint, total in current.items():
            before = seen.get(endpoint, 0)
            if total < before // 1024 * 1024:
                earlier[endpoint] = earlier.get(endpoint, 0) + before
                seen[endpoint] = total
            else:
                seen[endpoint] = max(before, total)
        from_peers = {}
        for endpoint in named:
            from_peers["%s:%d" % endpoint] = earlier.get(endpoint, 0) + seen.get(endpoint, 0)
        st = h.status()
        emit("progress", progress=round(st.progress, 6), downloaded=st.total_payload_download,
             fromPeers=from_peers, peers=st.num_peers, downloadRate=st.download_payload_rate)

    emit("exit", code=0)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
