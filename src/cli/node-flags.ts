/**
 * How the daemon process is started, on the box (systemd unit, the `reel` shebang) and in
 * benches. No global fetch: its first call compiles undici's WebAssembly HTTP parser, a 42 MiB
 * jump in peak RSS measured here, and bittorrent-tracker would call it on every HTTP announce
 * (without it, it uses node-fetch over node:http). The other two settings trade a little CPU for
 * a much smaller peak RSS while a film downloads at full speed:
 * - a 1 MiB young generation makes the collector free the buffers of received blocks within
 *   milliseconds instead of letting tens of MiB of them pile up between scavenges;
 * - two malloc arenas stop glibc from giving each libuv file-I/O thread its own arena, each
 *   holding freed memory it never returns.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--no-experimental-fetch']
export const DAEMON_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' }
