/**
 * V8 flags the daemon runs with, on the box (systemd unit, the `reel` shebang) and in benches.
 * A 1 MiB young generation makes the collector free the buffers of received blocks within
 * milliseconds instead of letting tens of MiB of them pile up between scavenges while a film
 * downloads at full speed: peak RSS drops by about 40 MiB for a few percent more GC time.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1']
