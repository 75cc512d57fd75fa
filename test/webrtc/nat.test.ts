/**
 * Must show 5: two boxes, each in a home behind its own NAT (iptables MASQUERADE, nothing
 * gets in unless it answers a flow from inside), cannot reach each other over TCP but
 * exchange pieces over WebRTC, through a tracker and a STUN server on the "internet".
 * Everything lives in network namespaces this test makes and removes:
 *
 *   homeA 10.1.0.2 ── 10.1.0.1 natA 198.18.1.2 ── 198.18.1.1 ┐
 *                                                         internet (tracker :8000, STUN :3478)
 *   homeB 10.2.0.2 ── 10.2.0.1 natB 198.18.2.2 ── 198.18.2.1 ┘
 *
 * The test reaches each daemon's HTTP API over a management veth (172.31.x.0/30) that
 * routes nothing else. Skipped, saying so, only where the kernel refuses namespaces.
 */
import t from 'tap'
import { join } from 'node:path'
import { makeTorrentFixture } from '../helpers/fixtures.js'
import { JsonLineProcess } from '../helpers/json-line-process.js'
import { createNetnsLab, netnsUnavailableReason, type NetnsLab } from '../helpers/netns.js'
import { repoRoot, tsChildEnv, tsNodeArgs } from '../helpers/paths.js'
import { differingFiles, seedFixture, startWebRtcDaemon } from '../helpers/webrtc-daemon.js'

const unavailable = netnsUnavailableReason()
/** Skipped, and said so in the output, only where the kernel (or a missing root) refuses namespaces. */
const skip = unavailable === undefined ? false : `the NAT test needs network namespaces, and here: ${unavailable}`
if (skip !== false) t.comment(`SKIPPED: ${skip}`)

const TRACKER_PORT = 8000
const STUN_PORT = 3478

interface Home { ns: string, lan: string, wan: string, management: string }

/** Builds the internet, two NAT routers and two homes; returns the homes. */
function buildNetwork (lab: NetnsLab): { internet: string, homes: [Home, Home] } {
  const id = String(process.pid % 100000)
  const internet = lab.addNamespace('inet')
  lab.enableForwarding(internet)
  const homes = (['a', 'b'] as const).map((side, index): Home => {
    const n = index + 1
    const nat = lab.addNamespace(`nat${side}`)
    const home = lab.addNamespace(`home${side}`)
    lab.veth({ ns: internet, ifname: `r${id}i${side}`, address: `198.18.${n}.1/24` }, { ns: nat, ifname: `r${id}w${side}`, address: `198.18.${n}.2/24` })
    lab.veth({ ns: nat, ifname: `r${id}l${side}`, address: `10.${n}.0.1/24` }, { ns: home, ifname: `r${id}h${side}`, address: `10.${n}.0.2/24` })
    lab.exec(nat, ['ip', 'route', 'add', 'default', 'via', `198.18.${n}.1`])
    lab.exec(home, ['ip', 'route', 'add', 'default', 'via', `10.${n}.0.1`])
    lab.masquerade(nat, `r${id}l${side}`, `r${id}w${side}`)
    // Management link: the test talks to the daemon's HTTP API; the home routes nothing through it.
    const subnet = `172.31.${(process.pid % 60) * 4 + n}`
    lab.veth({ ifname: `r${id}m${side}`, address: `${subnet}.1/30` }, { ns: home, ifname: `r${id}n${side}`, address: `${subnet}.2/30` })
    return { ns: home, lan: `10.${n}.0.2`, wan: `198.18.${n}.2`, management: `${subnet}.2` }
  })
  return { internet, homes: homes as [Home, Home] }
}

/** Tries a TCP connection from inside `ns`; resolves to "connected" or the reason it failed. */
async function tcpProbe (lab: NetnsLab, ns: string, host: string, port: number): Promise<string> {
  const script = `const s=require('net').connect({host:${JSON.stringify(host)},port:${port}});` +
    "s.setTimeout(4000,()=>{console.log('timed out');process.exit(0)});" +
    "s.on('connect',()=>{console.log('connected');process.exit(0)});s.on('error',e=>{console.log(e.code);process.exit(0)})"
  return lab.exec(ns, [process.execPath, '-e', script]).trim()
}

t.test('two boxes behind separate NATs cannot connect over TCP but exchange pieces over WebRTC', { skip }, async t => {
  const lab = createNetnsLab(t, 'nat')
  const { internet, homes: [homeA, homeB] } = buildNetwork(lab)

  const trackerHost = '198.18.1.1'
  const services = new JsonLineProcess({
    name: 'internet',
    command: 'ip',
    // Bound to one address: a STUN answer must leave from the address it was asked on, or NAT B drops it.
    args: ['netns', 'exec', internet, process.execPath, ...tsNodeArgs(), join(repoRoot(), 'test', 'helpers', 'webrtc-internet-main.ts'), trackerHost, String(TRACKER_PORT), String(STUN_PORT)],
    env: tsChildEnv(),
    group: true
  }).stopOnTeardown(t)
  await services.waitFor(line => line['event'] === 'listening', { timeoutMs: 30_000, what: 'tracker and STUN server' })

  const fixture = await makeTorrentFixture(t, {
    name: 'NatFilm',
    pieceLength: 64 * 1024,
    // The HTTP tracker hands out each box's NATed TCP address; the WebSocket one signals WebRTC.
    announce: [`http://${trackerHost}:${TRACKER_PORT}/announce`, `ws://${trackerHost}:${TRACKER_PORT}`],
    files: [{ path: 'film.mp4', length: 2_500_000 }]
  })
  const webrtc = (home: Home): { stunServers: string[], bindAddress: string } => ({ stunServers: [`stun:${trackerHost}:${STUN_PORT}`], bindAddress: home.lan })
  const boxA = await startWebRtcDaemon(t, { netns: homeA.ns, httpHost: homeA.management, engine: { webrtc: webrtc(homeA) }, name: 'box-a' })
  const boxB = await startWebRtcDaemon(t, { netns: homeB.ns, httpHost: homeB.management, engine: { webrtc: webrtc(homeB) }, name: 'box-b' })
  t.ok(boxA.torrentPort > 0 && boxB.torrentPort > 0, 'both boxes listen for TCP peers too')
  t.teardown(() => {
    if (t.passing()) return
    for (const box of [boxA, boxB]) {
      const interesting = box.output.lines.filter(line => /peer|WebRTC|discovery|tracker/i.test(String(line['msg'])))
      t.comment(`${box.output.name} log:\n${interesting.slice(-30).map(line => JSON.stringify(line)).join('\n')}`)
    }
  })

  t.equal(await tcpProbe(lab, `${lab.nsName('natb')}`, homeB.lan, boxB.torrentPort), 'connected', 'box B takes TCP connections on its own LAN')
  t.not(await tcpProbe(lab, homeA.ns, homeB.wan, boxB.torrentPort), 'connected', "box A cannot open TCP to box B's public address: NAT B lets nothing in")
  t.not(await tcpProbe(lab, homeA.ns, homeB.lan, boxB.torrentPort), 'connected', "box A cannot reach box B's private address")

  await seedFixture(boxA, fixture)
  const started = Date.now()
  await boxB.api.addTorrent(fixture.torrentFile)
  const status = await boxB.api.waitComplete(fixture.infoHash, { timeoutMs: 120_000 })
  t.comment(`box B downloaded ${fixture.totalLength} bytes from box A through two NATs in ${Date.now() - started} ms`)
  t.equal(status['hashFailures'], 0, 'no piece failed verification')
  t.same(await differingFiles(boxB, fixture), [], 'box B has the film byte-identical')

  const peers = boxB.connectedPeers()
  t.ok(peers.length >= 1, 'box B connected to a peer')
  t.same(peers.map(line => line['transport']), peers.map(() => 'webrtc'), 'no peer connected over TCP; every one over WebRTC')
  t.ok(peers.some(line => String(line['peer']).startsWith(`webrtc:${homeA.wan}:`)), "box B reached box A at NAT A's public address (a STUN-learnt candidate)")
  // And the other way: box B seeds a second title that box A fetches.
  const second = await makeTorrentFixture(t, {
    name: 'NatSeries',
    pieceLength: 64 * 1024,
    announce: [`http://${trackerHost}:${TRACKER_PORT}/announce`, `ws://${trackerHost}:${TRACKER_PORT}`],
    files: [{ path: 'episode-1.mkv', length: 1_500_000 }]
  })
  await seedFixture(boxB, second)
  await boxA.api.addTorrent(second.torrentFile)
  await boxA.api.waitComplete(second.infoHash, { timeoutMs: 120_000 })
  t.same(await differingFiles(boxA, second), [], 'box A has the second title from box B byte-identical')
  const peersOfA = boxA.connectedPeers()
  t.ok(peersOfA.length >= 1 && peersOfA.every(line => line['transport'] === 'webrtc'), 'box A only ever connected over WebRTC')
  t.ok(peersOfA.some(line => String(line['peer']).startsWith(`webrtc:${homeB.wan}:`)), "box A reached box B at NAT B's public address")

  const stunLine = services.last('stun')
  t.ok(Number(stunLine?.['answered'] ?? 0) > 0, 'the boxes asked the STUN server for their public addresses')
})
