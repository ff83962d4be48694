import net from 'node:net'

/**
 * A TCP proxy in front of PostgreSQL that a test can take down (connections reset and refused)
 * or hang (connections accepted, nothing forwarded), the way a restarting or stuck server behaves.
 */
export async function databaseProxy (target: { host: string, port: number }) {
  let mode: 'up' | 'down' | 'hang' = 'up'
  const sockets = new Set<net.Socket>()
  const pairs = new Set<[net.Socket, net.Socket]>()
  const server = net.createServer((client) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    client.on('error', () => {})
    if (mode === 'down') { client.destroy(); return }
    if (mode === 'hang') return
    const upstream = net.connect(target.port, target.host)
    sockets.add(upstream)
    upstream.on('close', () => { sockets.delete(upstream); client.destroy() })
    upstream.on('error', () => client.destroy())
    client.on('close', () => upstream.destroy())
    client.pipe(upstream)
    upstream.pipe(client)
    const pair: [net.Socket, net.Socket] = [client, upstream]
    pairs.add(pair)
    client.on('close', () => pairs.delete(pair))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  const dropAll = () => { for (const s of sockets) s.destroy() }
  return {
    port,
    /** Like a server restart: every connection drops, new ones are refused until up(). */
    down () { mode = 'down'; dropAll() },
    /** Like a stuck server: open connections stop answering, new ones are accepted and never answered. */
    hang () {
      mode = 'hang'
      for (const [client, upstream] of pairs) { client.unpipe(upstream); upstream.unpipe(client) }
    },
    up () { mode = 'up' },
    close: () => new Promise<void>((resolve) => { dropAll(); server.close(() => resolve()) })
  }
}
