#!/usr/bin/python3
"""Load-generator peer for bench/compare: aiohttp (Debian's python3-aiohttp).

    /usr/bin/python3 aiohttp_client.py [--uvloop] URL CONNS N EXPECTED_LEN

N keep-alive HTTP/1.1 GETs of URL over CONNS connections: one ClientSession
with TCPConnector(limit=CONNS) and CONNS worker coroutines, each doing
`async with session.get(url) as r: body = await r.read()`. Every response
must be 200 with a body of EXPECTED_LEN bytes, else it counts as an error.
https certificates are not verified (self-signed test certs). --uvloop runs
on Debian's python3-uvloop instead of asyncio's default loop. Prints one
JSON line:
    {"requests": OK, "errors": FAILED, "seconds": WALL_TIME_OF_REQUESTS}

Run it with /usr/bin/python3: Debian's aiohttp lives in its dist-packages.
"""
import asyncio
import json
import sys
import time


async def run(url, conns, total, expected):
    import aiohttp
    from yarl import URL

    url = URL(url)  # parsed once, not on every request
    ssl = False if url.scheme == "https" else None
    ok = errors = issued = 0

    async def worker(session):
        nonlocal ok, errors, issued
        while issued < total:
            issued += 1
            try:
                async with session.get(url) as r:
                    body = await r.read()
                    if r.status == 200 and len(body) == expected:
                        ok += 1
                    else:
                        errors += 1
            except (aiohttp.ClientError, OSError, asyncio.TimeoutError):
                errors += 1

    connector = aiohttp.TCPConnector(limit=conns, ssl=ssl)
    timeout = aiohttp.ClientTimeout(total=None)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(min(conns, max(total, 1)))))
        seconds = time.perf_counter() - t0
    return {"requests": ok, "errors": errors, "seconds": seconds}


def main(argv):
    use_uvloop = "--uvloop" in argv
    args = [a for a in argv if a != "--uvloop"]
    try:
        url, conns, total, expected = args[0], int(args[1]), int(args[2]), int(args[3])
        if len(args) != 4 or conns < 1 or total < 0:
            raise ValueError
    except (ValueError, IndexError):
        print("usage: aiohttp_client.py [--uvloop] URL CONNS N EXPECTED_LEN", file=sys.stderr)
        return 2
    if use_uvloop:
        import uvloop
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    result = asyncio.run(run(url, conns, total, expected))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
