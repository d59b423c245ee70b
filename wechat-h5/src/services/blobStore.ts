// Photos the driver took but that have not reached the server yet are kept in
// IndexedDB, so closing WeChat mid-upload does not mean going back to take them again.
// Everything here degrades to a no-op where IndexedDB is missing or blocked.
const DB_NAME = 'kckp-h5'
const STORE = 'pending-files'

let dbPromise: Promise<IDBDatabase | null> | null = null

function openDb(): Promise<IDBDatabase | null> {
  if (dbPromise) return dbPromise
  dbPromise = new Promise((resolve) => {
    try {
      if (typeof indexedDB === 'undefined') return resolve(null)
      const req = indexedDB.open(DB_NAME, 1)
      req.onupgradeneeded = () => req.result.createObjectStore(STORE)
      req.onsuccess = () => resolve(req.result)
      req.onerror = () => resolve(null)
      req.onblocked = () => resolve(null)
    } catch {
      resolve(null)
    }
  })
  return dbPromise
}

async function run<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>) {
  const db = await openDb()
  if (!db) return undefined
  return new Promise<T | undefined>((resolve) => {
    try {
      const req = fn(db.transaction(STORE, mode).objectStore(STORE))
      req.onsuccess = () => resolve(req.result)
      req.onerror = () => resolve(undefined)
    } catch {
      resolve(undefined)
    }
  })
}

export async function putBlob(key: string, blob: Blob): Promise<void> {
  await run('readwrite', (s) => s.put(blob, key))
}

export async function getBlob(key: string): Promise<Blob | undefined> {
  return (await run<Blob>('readonly', (s) => s.get(key) as IDBRequest<Blob>)) ?? undefined
}

export async function deleteBlob(key: string): Promise<void> {
  await run('readwrite', (s) => s.delete(key))
}

export async function clearBlobs(): Promise<void> {
  await run('readwrite', (s) => s.clear())
}
