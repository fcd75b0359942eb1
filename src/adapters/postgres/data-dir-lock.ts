import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs'

/**
 * Thrown when another live process holds the PGlite data directory. PGlite is a single-process
 * database: two processes writing the same files would corrupt them.
 */
export class DataDirLockedError extends Error {
  readonly code = 'ERR_DATA_DIR_LOCKED'
  constructor (readonly dataDir: string, readonly pid: number, readonly lockFile: string) {
    super(
      `The data directory ${dataDir} is in use by process ${pid}; PGlite allows one process per ` +
      'data directory. Stop it or set DATABASE_URL to use PostgreSQL, which any number of ' +
      `instances can share (if no process ${pid} of Bozor runs, delete ${lockFile}).`
    )
    this.name = 'DataDirLockedError'
  }
}

/** A held lock; `release()` removes the lock file if it still names this process. */
export interface DataDirLock {
  readonly file: string
  release(): void
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: the process exists but belongs to another user
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The pid in the lock file; `null` when there is no file, `undefined` when it is not a pid yet. */
function readPid (file: string): number | null | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10)
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}

function removeIfStill (file: string, pid: number | undefined): void {
  if (readPid(file) !== pid) return
  try { unlinkSync(file) } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
}

function sleepSync (ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

function tryCreate (file: string): boolean {
  let fd: number
  try {
    fd = openSync(file, 'wx')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
  }
  try {
    writeSync(fd, `${process.pid}\n`)
  } finally {
    closeSync(fd)
  }
  return true
}

/**
 * Takes the lock file `file` for `dataDir` by creating it exclusively with this process's pid.
 * A lock left by a dead process (crash, kill -9) is taken over; a live one throws
 * `DataDirLockedError`. The file is also removed when the process exits normally.
 *
 * @example
 * const lock = acquireDataDirLock('./data', './data/pglite.lock')
 * try { ... } finally { lock.release() }
 */
export function acquireDataDirLock (dataDir: string, file: string): DataDirLock {
  for (let attempt = 0; attempt < 50; attempt++) {
    if (tryCreate(file)) return held(file)
    const pid = readPid(file)
    if (pid === null) continue
    if (pid === undefined) {
      // another process has just created the file and not written its pid yet; an empty file
      // that stays empty is debris and is removed
      if (attempt < 20) sleepSync(10)
      else removeIfStill(file, pid)
      continue
    }
    if (isAlive(pid)) throw new DataDirLockedError(dataDir, pid, file)
    // stale: remove it only if it still names the dead pid, then retry the exclusive create,
    // so two processes taking over at once cannot both win
    removeIfStill(file, pid)
  }
  throw new DataDirLockedError(dataDir, readPid(file) ?? 0, file)
}

function held (file: string): DataDirLock {
  let released = false
  const release = (): void => {
    if (released) return
    released = true
    process.removeListener('exit', release)
    try {
      if (readPid(file) === process.pid) unlinkSync(file)
    } catch {
      // the lock file is gone already; nothing to release
    }
  }
  process.on('exit', release)
  return { file, release }
}
