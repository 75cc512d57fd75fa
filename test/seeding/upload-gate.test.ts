/**
 * The engine's upload gate (src/engine/choker.ts), which the seeding policy drives: exact
 * choke decisions over fake peers. Lives here because it is the seeding policy's contract.
 */
import t from 'tap'
import { feedsStream, resumeOrder, scarcityServed, UploadGate, type GatedPeer, type GatedTorrent } from '../../src/engine/choker.js'

interface FakePeer extends GatedPeer {
  wire: { amChoking: boolean, peerInterested: boolean, peerChoking: boolean, choke (): void, unchoke (): void }
  inflight: { size: number }
  conn: { downloadRate: { rate (): number } }
  has: string
}

/** `has`: one character per piece, '1' when the peer has it (the torrent's availability is counted from all peers). */
function peer (id: string, opts: { interested?: boolean, unchoked?: boolean, feeding?: boolean, has?: string } = {}): FakePeer {
  const wire = {
    amChoking: opts.unchoked !== true,
    peerInterested: opts.interested ?? true,
    peerChoking: opts.feeding !== true,
    choke () { this.amChoking = true },
    unchoke () { this.amChoking = false }
  }
  return { id, wire, inflight: { size: opts.feeding === true ? 3 : 0 }, conn: { downloadRate: { rate: () => 0 } }, has: opts.has ?? '' }
}

function torrent (ours: string, peers: FakePeer[], streaming = false): GatedTorrent<FakePeer> {
  const map = new Map(peers.map(p => [p.id, p]))
  return {
    peers: map,
    streaming,
    pieceCount: ours.length,
    hasPiece: piece => ours[piece] === '1',
    picker: () => ({
      peerHas: (id, piece) => map.get(id)?.has[piece] === '1',
      availability: piece => peers.filter(p => p.has[piece] === '1').length
    })
  }
}

const unchoked = (peers: FakePeer[]): string[] => peers.filter(p => !p.wire.amChoking).map(p => p.id)

t.test('closed chokes every peer at once, and allows the choker to unchoke nobody', async t => {
  const peers = [peer('a', { unchoked: true }), peer('b', { unchoked: true }), peer('c')]
  const gate = new UploadGate(5)
  const each = torrent('1111', peers)
  gate.apply('closed', [each])
  t.same(unchoked(peers), [])
  t.same(peers.map(p => gate.allows(each, p)), [false, false, false], 'the swarm asking to unchoke a new interested peer is refused')
})

t.test('open leaves choking to the choker', async t => {
  const peers = [peer('a', { unchoked: true }), peer('b')]
  const gate = new UploadGate(5)
  const each = torrent('11', peers)
  gate.apply('open', [each])
  t.same(unchoked(peers), ['a'], 'nothing is forced either way while it stays open')
  t.ok(gate.allows(each, peers[1] as FakePeer), 'the choker may unchoke b')
})

t.test('reciprocal keeps only peers feeding a playing stream, and unchokes the interested ones among them', async t => {
  const peers = [peer('a', { unchoked: true }), peer('b', { unchoked: true, feeding: true }), peer('c', { feeding: true }), peer('d', { feeding: true, interested: false })]
  const gate = new UploadGate(5)
  const each = torrent('1111', peers, true)
  gate.apply('reciprocal', [each])
  t.same(unchoked(peers), ['b', 'c'])
  t.notOk(gate.allows(each, peers[0] as FakePeer), 'the choker may not unchoke a non-feeder')
})

t.test('reciprocal on a torrent nobody streams chokes everyone, feeders of nothing included', async t => {
  const peers = [peer('a', { unchoked: true, feeding: true })]
  new UploadGate(5).apply('reciprocal', [torrent('1', peers, false)])
  t.same(unchoked(peers), [])
})

t.test('a feeder is a peer that is not choking us and has blocks in flight or arriving, on a streamed torrent', async t => {
  const p = peer('a', { feeding: true })
  t.ok(feedsStream({ streaming: true }, p))
  t.notOk(feedsStream({ streaming: false }, p))
  p.wire.peerChoking = true
  t.notOk(feedsStream({ streaming: true }, p))
  const arriving = peer('b')
  arriving.wire.peerChoking = false
  t.notOk(feedsStream({ streaming: true }, arriving))
  arriving.conn = { downloadRate: { rate: () => 10 } }
  t.ok(feedsStream({ streaming: true }, arriving))
})

t.test('scarcity served: each piece we have and the peer lacks counts 1 / (1 + peers that have it)', async t => {
  const peers = [peer('a', { has: '0000' }), peer('b', { has: '1100' }), peer('c', { has: '1110' })]
  const tor = torrent('1111', peers)
  // a lacks all four: piece 0 and 1 are held by b and c (1/3 each), 2 by c (1/2), 3 by nobody (1).
  t.equal(scarcityServed(tor, 'a'), 1 / 3 + 1 / 3 + 1 / 2 + 1)
  t.equal(scarcityServed(tor, 'b'), 1 / 2 + 1)
  t.equal(scarcityServed(tor, 'c'), 1)
  t.same(resumeOrder([{ id: 'c', scarcity: 1 }, { id: 'a', scarcity: 2 }, { id: 'b', scarcity: 1 }]), ['a', 'b', 'c'])
})

t.test('on reopening, the slots go first to the peers that spread what the swarm lacks', async t => {
  const peers = [
    peer('a', { has: '1110' }), peer('b', { has: '0000' }), peer('c', { has: '1111' }),
    peer('d', { has: '1101' }), peer('e', { has: '0100' })
  ]
  const gate = new UploadGate(2)
  const tor = torrent('1111', peers)
  gate.apply('closed', [tor])
  gate.apply('open', [tor])
  t.same(unchoked(peers), ['b', 'e'], 'b lacks everything (1/4 + 1/5 + 1/3 + 1/3), e lacks 0, 2, 3 (0.92); a and d lack one piece held by two (1/3) and wait')
  gate.apply('open', [tor])
  t.same(unchoked(peers), ['b', 'e'], 'staying open changes nothing; the swarm choker rotates from here')
})
