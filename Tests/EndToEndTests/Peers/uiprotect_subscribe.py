"""Subscribes to protect-sim's websocket with uiprotect's ProtectApiClient, unmodified, and reports what it decoded.

Starts live events through protect-sim's control endpoint (--trigger JSON, repeatable), then prints one JSON line
per websocket message uiprotect hands to its subscribers: action, model, id, changed keys and the event's end.

Usage: uiprotect_subscribe.py HOST PORT USERNAME PASSWORD SECONDS [--trigger JSON]...
"""
import asyncio
import json
import ssl
import sys
import urllib.request

from uiprotect import ProtectApiClient


def control(host, port, path, body=None):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    data = body.encode() if body is not None else None
    request = urllib.request.Request(f"https://{host}:{port}/__sim/{path}", data=data,
                                     method="POST" if body is not None else "GET")
    with urllib.request.urlopen(request, context=context) as response:
        return json.loads(response.read())


def trigger(host, port, body):
    return control(host, port, "events", body)


async def socket_registered(host, port):
    """Waits until the console has registered a websocket (it sends only to those), or fails after 60 s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while loop.time() < deadline:
        stats = await loop.run_in_executor(None, control, host, port, "stats")
        if stats["websocket"]["open"] >= 1:
            return
        await asyncio.sleep(0.05)
    raise SystemExit("uiprotect's websocket was not registered by the console within 60 s")


async def main():
    host, port, username, password, seconds = sys.argv[1:6]
    triggers = [sys.argv[i + 1] for i, arg in enumerate(sys.argv) if arg == "--trigger"]
    client = ProtectApiClient(host, int(port), username, password, verify_ssl=False)
    await client.update()
    print(json.dumps({"bootstrap": client.bootstrap.last_update_id}), flush=True)

    def received(message):
        obj = message.new_obj
        print(json.dumps({
            "action": str(message.action.value if hasattr(message.action, "value") else message.action),
            "model": obj.model.value if obj is not None and obj.model is not None else None,
            "id": obj.id if obj is not None else None,
            "changed": sorted(message.changed_data.keys()),
            "end": obj.end.isoformat() if obj is not None and getattr(obj, "end", None) else None,
        }), flush=True)

    unsubscribe = client.subscribe_websocket(received)
    await socket_registered(host, port)
    loop = asyncio.get_running_loop()
    for body in triggers:
        print(json.dumps({"triggered": await loop.run_in_executor(None, trigger, host, port, body)}), flush=True)
    await asyncio.sleep(float(seconds))
    print(json.dumps({"last_update_id": client.bootstrap.last_update_id}), flush=True)
    unsubscribe()
    await client.close_session()


asyncio.run(main())
