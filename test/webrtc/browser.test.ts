/**
 * Must show 4, third part: a WebTorrent client (webtorrent 2.8.5's browser build) in a page
 * of Debian's Chromium downloads a torrent from a Reel daemon over WebRTC, byte-identical.
 * Chromium runs in a network namespace made here, joined to the test by a veth pair with
 * its own private addresses; Reel's ICE, the WebSocket tracker and the page's server bind the
 * test end of that pair. No STUN servers; Reel has TCP disabled.
 */
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage } from 'node:http'
import { join } from 'node:path'
import { makeTorrentFixture, type TorrentFixture } from '../helpers/fixtures.js'
import { createNetnsLab, netnsUnavailableReason } from '../helpers/netns.js'
import { repoRoot } from '../helpers/paths.js'
import type { Teardown } from '../helpers/scope.js'
import { launchBrowserInNetns } from '../helpers/webrtc-browser.js'
import { seedFixture, startWebRtcDaemon } from '../helpers/webrtc-daemon.js'
import { startSignallingTracker } from '../helpers/webrtc-tracker.js'

const unavailable = netnsUnavailableReason()
/** Skipped, and said so in the output, only where the kernel (or a missing root) refuses namespaces. */
const skip = unavailable === undefined ? false : `the browser WebRTC test runs Chromium in a network namespace, and here: ${unavailable}`
if (skip !== false) t.comment(`SKIPPED: ${skip}`)

interface PageServer {
  origin: string
  /** Bytes the page posted for file `index`, once it has. */
  result (index: number): Buffer | undefined
  /** Everything the page logged. */
  log: Array<Record<string, unknown>>
  waitFor (event: string, timeoutMs: number): Promise<Record<string, unknown>>
}

async function body (req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** Serves the WebTorrent page, its bundle, the torrent, and takes the page's reports. */
async function startPageServer (scope: Teardown, host: string, fixture: TorrentFixture): Promise<PageServer> {
  const pageDir = join(repoRoot(), 'test', 'fixtures', 'webtorrent-page')
  const files: Record<string, { path: string, type: string }> = {
    '/': { path: join(pageDir, 'index.html'), type: 'text/html' },
    '/page.js': { path: join(pageDir, 'page.js'), type: 'text/javascript' },
    '/webtorrent.min.js': { path: join(repoRoot(), 'node_modules', 'webtorrent', 'dist', 'webtorrent.min.js'), type: 'text/javascript' }
  }
  const results = new Map<number, Buffer>()
  const log: Array<Record<string, unknown>> = []
  const server = createServer((req, res) => {
    void (async () => {
      const url = req.url ?? '/'
      const file = files[url]
      if (req.method === 'GET' && file !== undefined) {
        res.writeHead(200, { 'content-type': file.type }).end(await readFile(file.path))
      } else if (req.method === 'GET' && url === '/film.torrent') {
        res.writeHead(200, { 'content-type': 'application/x-bittorrent' }).end(fixture.torrentFile)
      } else if (req.method === 'POST' && url.startsWith('/result/')) {
        results.set(Number(url.slice('/result/'.length)), await body(req))
        res.writeHead(204).end()
      } else if (req.method === 'POST' && url === '/log') {
        log.push(JSON.parse((await body(req)).toString('utf8')) as Record<string, unknown>)
        res.writeHead(204).end()
      } else {
        res.writeHead(404).end()
      }
    })().catch(() => res.writeHead(500).end())
  })
  await new Promise<void>(resolve => server.listen(0, host, resolve))
  scope.teardown(async () => {
    server.closeAllConnections()
    await new Promise<void>(resolve => server.close(() => resolve()))
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    origin: `http://${host}:${port}`,
    result: index => results.get(index),
    log,
    async waitFor (event, timeoutMs) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const found = log.find(line => line['event'] === event)
        if (found !== undefined) return found
        const failed = log.find(line => line['event'] === 'error')
        if (failed !== undefined) throw new Error(`the page failed: ${String(failed['message'])}`)
        if (Date.now() > deadline) throw new Error(`no "${event}" from the page after ${timeoutMs} ms; last: ${JSON.stringify(log.slice(-3))}`)
        await new Promise(resolve => setTimeout(resolve, 100))
      }
    }
  }
}

t.test('a WebTorrent page in Chromium downloads a torrent from a Reel daemon over WebRTC, byte-identical', { skip }, async t => {
  const lab = createNetnsLab(t, 'br')
  const ns = lab.addNamespace('browser')
  const subnet = `10.231.${process.pid % 250}`
  const testEnd = `${subnet}.1`
  const id = String(process.pid % 100000)
  lab.veth({ ifname: `r${id}bt`, address: `${testEnd}/24` }, { ns, ifname: `r${id}bb`, address: `${subnet}.2/24` })

  const tracker = await startSignallingTracker(testEnd)
  t.teardown(() => tracker.close())
  const fixture = await makeTorrentFixture(t, {
    name: 'BrowserFilm.mp4', pieceLength: 32 * 1024, announce: [tracker.wsUrl],
    files: [{ path: 'BrowserFilm.mp4', length: 2_000_000 }]
  })
  const reel = await startWebRtcDaemon(t, { engine: { tcp: false, webrtc: { stunServers: [], bindAddress: testEnd } }, name: 'reel-seed' })
  await seedFixture(reel, fixture)

  const pages = await startPageServer(t, testEnd, fixture)
  const browser = await launchBrowserInNetns(t, { netns: ns, secureOrigins: [pages.origin] })
  const page = await browser.newPage()
  const started = Date.now()
  await page.goto(`${pages.origin}/`)
  const done = await pages.waitFor('done', 90_000)
  t.comment(`the page downloaded ${fixture.totalLength} bytes over WebRTC in ${Date.now() - started} ms`)
  t.equal(done['files'], 1, 'the page saw one file')
  const got = pages.result(0)
  t.ok(got !== undefined && got.equals(fixture.expectedBytes(0, 0, fixture.totalLength)), 'the bytes the page got are byte-identical')
  t.ok(pages.log.some(line => line['event'] === 'wire' && line['type'] === 'webrtc'), 'the page spoke to its peer over WebRTC')

  const peers = reel.connectedPeers()
  t.ok(peers.length >= 1, 'Reel connected to the page')
  t.ok(peers.every(line => line['transport'] === 'webrtc' && String(line['peer']).startsWith(`webrtc:${subnet}.2:`)), "Reel served the page's namespace address over WebRTC")
})
