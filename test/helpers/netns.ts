/**
 * Private networks for tests, made of Linux network namespaces (`ip netns`), veth pairs and
 * iptables rules that exist only inside those namespaces. Every namespace is named
 * `reeltest-<pid>-<name>`; on teardown (and on process exit) the processes still inside are
 * killed and the namespaces deleted, which removes their veths and rules with them. Namespaces
 * left by a test process that died outright are swept when the next lab starts.
 */
import { execFileSync } from 'node:child_process'
import type { Teardown } from './scope.js'

const PREFIX = 'reeltest-'

function run (args: readonly string[], input?: string): string {
  return execFileSync(args[0] as string, args.slice(1), { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...(input === undefined ? {} : { input }) })
}

/** Why namespaces cannot be used here (not root, no `ip`, the kernel refuses), or undefined. */
export function netnsUnavailableReason (needIptables = false): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'network namespaces need root'
  const probe = `${PREFIX}${process.pid}-probe`
  try {
    run(['ip', 'netns', 'add', probe])
  } catch (err) {
    return `the kernel refused a network namespace (ip netns add: ${firstLine(err)})`
  }
  try {
    run(['ip', 'netns', 'exec', probe, 'ip', 'link', 'set', 'lo', 'up'])
    if (needIptables) run(['ip', 'netns', 'exec', probe, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'lo', '-j', 'MASQUERADE'])
    return undefined
  } catch (err) {
    return needIptables
      ? `iptables NAT is not usable in a namespace (install Debian's iptables; kernel nf_nat): ${firstLine(err)}`
      : `cannot configure a network namespace: ${firstLine(err)}`
  } finally {
    try { run(['ip', 'netns', 'del', probe]) } catch {}
  }
}

function firstLine (err: unknown): string {
  const e = err as { stderr?: string, message?: string }
  return (e.stderr ?? e.message ?? String(err)).trim().split('\n')[0] ?? ''
}

export interface VethEnd {
  /** Namespace (a lab name) or undefined for the test's own namespace. */
  ns?: string
  ifname: string
  /** CIDR, e.g. "10.231.7.1/24". */
  address: string
}

export class NetnsLab {
  private readonly namespaces: string[] = []
  private readonly hostLinks: string[] = []
  private cleaned = false
  private readonly onExit = (): void => this.cleanup()

  constructor (private readonly tag: string) {
    sweepStale()
    process.once('exit', this.onExit)
  }

  /** The full name of lab namespace `name`. */
  nsName (name: string): string { return `${PREFIX}${process.pid}-${this.tag}-${name}` }

  /** Creates a namespace with its loopback up; returns its full name. */
  addNamespace (name: string): string {
    const ns = this.nsName(name)
    run(['ip', 'netns', 'add', ns])
    this.namespaces.push(ns)
    this.exec(ns, ['ip', 'link', 'set', 'lo', 'up'])
    return ns
  }

  /** A veth pair between two namespaces (or one and the test's own), addressed and up. */
  veth (a: VethEnd, b: VethEnd): void {
    run(['ip', 'link', 'add', a.ifname, 'type', 'veth', 'peer', 'name', b.ifname])
    if (a.ns === undefined) this.hostLinks.push(a.ifname)
    if (b.ns === undefined) this.hostLinks.push(b.ifname)
    for (const end of [a, b]) {
      if (end.ns !== undefined) run(['ip', 'link', 'set', end.ifname, 'netns', end.ns])
      this.exec(end.ns, ['ip', 'addr', 'add', end.address, 'dev', end.ifname])
      this.exec(end.ns, ['ip', 'link', 'set', end.ifname, 'up'])
    }
  }

  /** Runs a command inside a namespace (or the test's own when `ns` is undefined); returns stdout. */
  exec (ns: string | undefined, command: readonly string[], input?: string): string {
    return run(ns === undefined ? command : ['ip', 'netns', 'exec', ns, ...command], input)
  }

  /** Turns a namespace into a router. */
  enableForwarding (ns: string): void {
    this.exec(ns, ['sysctl', '-qw', 'net.ipv4.ip_forward=1'])
  }

  /**
   * Makes `ns` a home router: traffic from the LAN leaves `wanIf` masqueraded as its own
   * address, and nothing from the WAN gets in unless it answers a flow the LAN started.
   */
  masquerade (ns: string, lanIf: string, wanIf: string): void {
    this.enableForwarding(ns)
    this.exec(ns, ['iptables-restore'], [
      '*nat',
      ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]',
      `-A POSTROUTING -o ${wanIf} -j MASQUERADE`,
      'COMMIT',
      '*filter',
      ':INPUT ACCEPT [0:0]', ':FORWARD DROP [0:0]', ':OUTPUT ACCEPT [0:0]',
      `-A FORWARD -i ${lanIf} -o ${wanIf} -j ACCEPT`,
      `-A FORWARD -i ${wanIf} -o ${lanIf} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
      `-A INPUT -i ${wanIf} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
      `-A INPUT -i ${wanIf} -j DROP`,
      'COMMIT',
      ''
    ].join('\n'))
  }

  /** Kills what still runs in the lab's namespaces and deletes them. Safe to call twice. */
  cleanup (): void {
    if (this.cleaned) return
    this.cleaned = true
    process.off('exit', this.onExit)
    for (const ns of this.namespaces) removeNamespace(ns)
    for (const link of this.hostLinks) {
      try { run(['ip', 'link', 'del', link]) } catch {}
    }
  }
}

/** A lab whose namespaces are removed on `scope`'s teardown. */
export function createNetnsLab (scope: Teardown, tag: string): NetnsLab {
  const lab = new NetnsLab(tag)
  scope.teardown(() => lab.cleanup())
  return lab
}

function removeNamespace (ns: string): void {
  try {
    for (const pid of run(['ip', 'netns', 'pids', ns]).split(/\s+/).filter(Boolean)) {
      try { process.kill(Number(pid), 'SIGKILL') } catch {}
    }
  } catch {}
  try { run(['ip', 'netns', 'del', ns]) } catch {}
}

/** Deletes namespaces of earlier test processes that no longer exist. */
function sweepStale (): void {
  let names: string[]
  try {
    names = run(['ip', 'netns', 'list']).split('\n').map(line => line.split(' ')[0] ?? '').filter(name => name.startsWith(PREFIX))
  } catch {
    return
  }
  for (const name of names) {
    const pid = Number(name.slice(PREFIX.length).split('-')[0])
    if (!Number.isInteger(pid) || pid === process.pid) continue
    try { process.kill(pid, 0) } catch { removeNamespace(name) }
  }
}
