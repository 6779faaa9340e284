"""A minimal Twilio Messages API twin answering every create in 50 ms (aiohttp).

.venv/bin/python bench/twilio_stub.py PORT [DELAY_MS]
"""

import asyncio
import json
import sys
import uuid

from aiohttp import web

DELAY = 0.05
count = 0


async def create_message(request):
    global count
    form = await request.post()
    await asyncio.sleep(DELAY)
    count += 1
    sid = "SM" + uuid.uuid4().hex
    body = {
        "sid": sid,
        "account_sid": request.match_info["account"],
        "to": form.get("To"),
        "from": form.get("From"),
        "body": form.get("Body", ""),
        "status": "queued",
        "num_segments": "1",
        "direction": "outbound-api",
        "api_version": "2010-04-01",
        "uri": f"/2010-04-01/Accounts/{request.match_info['account']}/Messages/{sid}.json",
    }
    return web.Response(status=201, text=json.dumps(body), content_type="application/json")


async def stats(request):
    return web.json_response({"created": count})


def main():
    global DELAY
    port = int(sys.argv[1])
    if len(sys.argv) > 2:
        DELAY = int(sys.argv[2]) / 1000
    app = web.Application()
    app.router.add_post("/2010-04-01/Accounts/{account}/Messages.json", create_message)
    app.router.add_get("/stats", stats)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None, backlog=1024)


if __name__ == "__main__":
    main()
