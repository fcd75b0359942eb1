import { PGlite } from '@electric-sql/pglite'
import { openDatabase, IN_MEMORY } from '/work/main/src/adapters/postgres/database.ts'
let t = Date.now()
const p = new PGlite(); await p.waitReady; console.log('bare start', Date.now() - t); await p.close()
t = Date.now()
const d = await openDatabase({ dataDir: IN_MEMORY }); console.log('open', Date.now() - t); t = Date.now()
await d.migrate(); console.log('migrate', Date.now() - t); t = Date.now()
const client = (d.db as any).$client as PGlite
const dump = await client.dumpDataDir('none'); console.log('dump', Date.now() - t, dump.size); t = Date.now()
const q = new PGlite({ loadDataDir: dump }); await q.waitReady; console.log('load', Date.now() - t)
console.log((await q.query("select count(*) from information_schema.tables where table_schema='public'")).rows)
