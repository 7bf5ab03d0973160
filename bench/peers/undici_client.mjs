// Load-generator peer for bench/compare: Node.js undici.
//
//   node undici_client.mjs URL CONNS N EXPECTED_LEN
//
// N keep-alive HTTP/1.1 GETs of URL over CONNS connections: one undici Pool
// (connections: CONNS, pipelining: 1) and CONNS async workers, each awaiting
// pool.request() and then reading the whole body (counting its bytes). Every
// response must be 200 with a body of EXPECTED_LEN bytes, else it counts as an
// error. https certificates are not verified (self-signed test certs). Prints
// one JSON line:
//   {"requests": OK, "errors": FAILED, "seconds": WALL_TIME_OF_REQUESTS}
//
// undici comes from `npm install --prefix DIR undici@VERSION` (see
// bench/setup_peers.sh): DIR is $UNDICI_DIR, else build/peers in the source
// tree, else wherever Node finds it from this file.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
if (args.length !== 4) {
  console.error('usage: undici_client.mjs URL CONNS N EXPECTED_LEN');
  process.exit(2);
}
const url = new URL(args[0]);
const conns = Number.parseInt(args[1], 10);
const total = Number.parseInt(args[2], 10);
const expected = Number.parseInt(args[3], 10);
if (!(conns >= 1) || !(total >= 0) || !(expected >= 0)) {
  console.error('undici_client.mjs: CONNS must be >= 1, N and EXPECTED_LEN >= 0');
  process.exit(2);
}

function loadUndici() {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dirs = [process.env.UNDICI_DIR, path.join(here, '..', '..', 'build', 'peers'), here].filter(Boolean);
  for (const dir of dirs) {
    try {
      return createRequire(path.join(path.resolve(dir), 'package.json'))('undici');
    } catch (e) {
      if (e.code !== 'MODULE_NOT_FOUND') throw e;
    }
  }
  console.error(`undici_client.mjs: undici not found (looked in ${dirs.join(', ')}); run bench/setup_peers.sh`);
  process.exit(2);
}
const { Pool } = loadUndici();

const pool = new Pool(url.origin, {
  connections: conns,
  pipelining: 1,
  connect: url.protocol === 'https:' ? { rejectUnauthorized: false } : undefined,
});
const reqPath = url.pathname + url.search;

let issued = 0;
let ok = 0;
let errors = 0;

async function worker() {
  while (issued < total) {
    issued++;
    try {
      const { statusCode, body } = await pool.request({ path: reqPath, method: 'GET' });
      // 'data' events: measurably cheaper than for-await or arrayBuffer().
      const len = await new Promise((resolve, reject) => {
        let n = 0;
        body.on('data', (chunk) => { n += chunk.length; }).on('end', () => resolve(n)).on('error', reject);
      });
      if (statusCode === 200 && len === expected) ok++;
      else errors++;
    } catch {
      errors++;
    }
  }
}

const t0 = process.hrtime.bigint();
await Promise.all(Array.from({ length: Math.min(conns, Math.max(total, 1)) }, worker));
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
process.stdout.write(JSON.stringify({ requests: ok, errors, seconds }) + '\n');
await pool.close();
