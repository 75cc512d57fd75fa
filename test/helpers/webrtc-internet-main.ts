/**
 * The "internet" of the NAT test, run inside its namespace: a WebSocket/HTTP tracker and a
 * STUN server on ADDRESS. Prints one JSON line `{"event":"listening",...}` and exits when
 * stdin closes or on SIGTERM.
 */
import { startStunServer } from './webrtc-stun.js'
import { startSignallingTracker } from './webrtc-tracker.js'

const address = process.argv[2] ?? '0.0.0.0'
const tracker = await startSignallingTracker(address, Number(process.argv[3] ?? 8000))
const stun = await startStunServer(address, Number(process.argv[4] ?? 3478))
process.stdout.write(JSON.stringify({ event: 'listening', wsUrl: tracker.wsUrl, announceUrl: tracker.announceUrl, stunPort: stun.port }) + '\n')
const timer = setInterval(() => process.stdout.write(JSON.stringify({ event: 'stun', answered: stun.answered() }) + '\n'), 1000)
const stop = async (): Promise<void> => {
  clearInterval(timer)
  await Promise.all([tracker.close(), stun.close()])
  process.exit(0)
}
process.on('SIGTERM', () => { void stop() })
process.stdin.on('end', () => { void stop() })
process.stdin.resume()
