/**
 * The control socket `DATA_DIR/bozor.sock` (DESIGN.md "Command-line tools and a running
 * server"; decision 0018), part of the composition root. A server on the embedded database
 * listens there (mode 0600: the directory's owner is the only client); `bozor token|seed|sandbox`
 * send their command as one JSON line and read one JSON line back, then the connection closes.
 *
 * @example
 * const socket = createControlSocket({ path: join(dataDir, CONTROL_SOCKET_FILE), handle, logger })
 * await socket.listen()
 * const response = await sendControlRequest(socket.path, { v: 1, command: 'seed.demo' })
 */
import { chmodSync, lstatSync, rmSync } from 'node:fs'
import { createConnection, createServer, type Socket } from 'node:net'
import type { Logger } from '../logger.js'
import type { ControlResponse } from './control.js'

/** The socket's name in DATA_DIR. */
export const CONTROL_SOCKET_FILE = 'bozor.sock'
/** A request is one line of at most this many bytes. */
export const MAX_CONTROL_REQUEST_BYTES = 64 * 1024
/** A connection that sends no complete request for this long is closed. */
export const CONTROL_IDLE_MS = 30_000
/** On shutdown, how long answered clients have to hang up. */
const CLOSE_GRACE_MS = 2000

export interface ControlSocket {
  readonly path: string
  /** Replaces a stale socket (left by a killed server), then listens; throws when another process answers there. */
  listen(): Promise<void>
  /** Stops taking connections, lets running commands answer, removes the socket file. Idempotent. */
  close(): Promise<void>
}

/** Connects to `path`: the socket, or undefined when nothing listens there (no file, or a stale one). */
function connect (path: string): Promise<Socket | undefined> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ path })
    socket.once('connect', () => {
      socket.removeAllListeners('error')
      resolve(socket)
    })
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') resolve(undefined)
      else reject(error)
    })
  })
}

/** Removes a socket file nobody listens on; throws when something answers or the file is not a socket. */
async function removeStale (path: string, logger: Logger): Promise<void> {
  let isSocket: boolean
  try {
    isSocket = lstatSync(path).isSocket()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  if (!isSocket) throw new Error(`${path} exists and is not a socket; remove it`)
  const live = await connect(path)
  if (live !== undefined) {
    live.destroy()
    throw new Error(`another process answers on ${path}`)
  }
  rmSync(path, { force: true })
  logger.info({ path }, 'control socket: replaced a stale socket (left by a server that did not stop)')
}

export function createControlSocket (options: { path: string, handle: (request: unknown) => Promise<ControlResponse>, logger: Logger }): ControlSocket {
  const { path, handle, logger } = options
  // connections with no answer under way (closed at once on shutdown)
  const idle = new Set<Socket>()
  const running = new Set<Promise<void>>()
  let listening = false
  let closing: Promise<void> | undefined

  const answer = (socket: Socket, response: ControlResponse): void => {
    socket.end(`${JSON.stringify(response)}\n`)
  }

  const server = createServer({ allowHalfOpen: true }, (socket) => {
    idle.add(socket)
    socket.on('close', () => idle.delete(socket))
    socket.on('error', () => socket.destroy())
    socket.setTimeout(CONTROL_IDLE_MS, () => socket.destroy())
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const stopReading = (): void => {
      done = true
      socket.removeAllListeners('data')
      socket.on('data', () => {})
    }
    const take = (line: string): void => {
      stopReading()
      idle.delete(socket)
      let request: unknown
      try {
        request = JSON.parse(line)
      } catch {
        answer(socket, { v: 1, ok: false, error: { code: 'ERR_CONTROL_REQUEST', message: 'a control request is one line of JSON' } })
        return
      }
      const work = handle(request).then((response) => answer(socket, response), (error: unknown) => {
        logger.error({ err: error }, 'control command failed')
        answer(socket, { v: 1, ok: false, error: { code: 'ERR_INTERNAL', message: 'the command failed; see the server log' } })
      })
      running.add(work)
      work.finally(() => running.delete(work)).catch(() => {})
    }
    socket.on('data', (chunk: Buffer) => {
      const newline = chunk.indexOf(0x0a)
      const part = newline >= 0 ? chunk.subarray(0, newline) : chunk
      size += part.length
      if (size > MAX_CONTROL_REQUEST_BYTES) {
        stopReading()
        answer(socket, { v: 1, ok: false, error: { code: 'ERR_CONTROL_REQUEST', message: `a control request is at most ${MAX_CONTROL_REQUEST_BYTES} bytes` } })
        return
      }
      chunks.push(part)
      if (newline >= 0) take(Buffer.concat(chunks).toString('utf8'))
    })
    // a client that half-closes without a newline sent its whole request
    socket.on('end', () => { if (!done) take(Buffer.concat(chunks).toString('utf8')) })
  })

  return {
    path,
    async listen () {
      await removeStale(path, logger)
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        // the socket is made 0600 from the start (no moment another user could connect)
        const umask = process.umask(0o177)
        try {
          server.listen(path, () => {
            server.removeListener('error', reject)
            resolve()
          })
        } finally {
          process.umask(umask)
        }
      })
      chmodSync(path, 0o600)
      listening = true
      server.on('error', (error) => logger.error({ err: error }, 'control socket failed'))
      logger.info({ path }, 'control socket listening')
    },
    close () {
      closing ??= (async () => {
        if (!listening) return
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        for (const socket of idle) socket.destroy()
        // running commands answer; their clients read the answer and hang up
        await Promise.allSettled([...running])
        let timer: NodeJS.Timeout | undefined
        await Promise.race([closed, new Promise<void>((resolve) => { timer = setTimeout(resolve, CLOSE_GRACE_MS) })])
        clearTimeout(timer)
        rmSync(path, { force: true })
      })()
      return closing
    }
  }
}

/**
 * Sends one request to the server on `path` and reads its answer; undefined when no server
 * listens there. Throws when the server does not answer within `timeoutMs` or answers garbage.
 */
export async function sendControlRequest (path: string, request: unknown, timeoutMs = 120_000): Promise<ControlResponse | undefined> {
  const socket = await connect(path)
  if (socket === undefined) return undefined
  return await new Promise<ControlResponse>((resolve, reject) => {
    const chunks: Buffer[] = []
    socket.setTimeout(timeoutMs, () => {
      socket.destroy()
      reject(new Error(`the server on ${path} did not answer within ${Math.round(timeoutMs / 1000)} s`))
    })
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('end', () => {
      socket.destroy()
      const text = Buffer.concat(chunks).toString('utf8').trim()
      try {
        resolve(JSON.parse(text) as ControlResponse)
      } catch {
        reject(new Error(`the server on ${path} answered something that is not a control response`))
      }
    })
    socket.end(`${JSON.stringify(request)}\n`)
  })
}
