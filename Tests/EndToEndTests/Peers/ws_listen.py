"""Listens to protect-sim's private websocket as an independent client and decodes every packet.

Logs in over REST, reads the bootstrap's lastUpdateId, connects to /proxy/protect/ws/updates with the session
cookie and decodes each binary message with Python's struct and zlib, checking the layout strictly (two frames,
8-byte headers, sizes adding up). Prints one JSON line per packet: {"action": ..., "data": ..., "size": ...}.
Optionally asks the console for live events first (--trigger JSON, repeatable).

Stops after SECONDS, or once --until-ends N packets carrying an event's end have arrived.

Usage: ws_listen.py HOST PORT USERNAME PASSWORD SECONDS [--until-ends N] [--trigger JSON]...
"""
import asyncio
import json
import ssl
import struct
import sys
import zlib

import aiohttp


def decode(packet: bytes):
    frames = []
    offset = 0
    for expected_type in (1, 2):
        packet_type, payload_format, deflated, reserved, size = struct.unpack("!bbbbi", packet[offset:offset + 8])
        if packet_type != expected_type or reserved != 0:
            raise ValueError(f"frame {expected_type}: header {packet[offset:offset + 8].hex()}")
        payload = packet[offset + 8:offset + 8 + size]
        if len(payload) != size:
            raise ValueError("payload shorter than its size")
        if deflated:
            payload = zlib.decompress(payload)
        if payload_format == 1:
            frames.append(json.loads(payload))
        elif payload_format == 2:
            frames.append(payload.decode("utf-8"))
        else:
            frames.append(payload.hex())
        offset += 8 + size
    if offset != len(packet):
        raise ValueError(f"{len(packet) - offset} trailing bytes")
    return frames


async def main():
    host, port, username, password, seconds = sys.argv[1:6]
    triggers = [sys.argv[i + 1] for i, arg in enumerate(sys.argv) if arg == "--trigger"]
    until_ends = next((int(sys.argv[i + 1]) for i, arg in enumerate(sys.argv) if arg == "--until-ends"), None)
    ends = 0
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    base = f"https://{host}:{port}"
    jar = aiohttp.CookieJar(unsafe=True)  # the console is addressed by IP
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context), cookie_jar=jar) as session:
        async with session.post(f"{base}/api/auth/login", json={"username": username, "password": password}) as r:
            r.raise_for_status()
            csrf = r.headers.get("x-csrf-token", "")
        async with session.get(f"{base}/proxy/protect/api/bootstrap") as r:
            last_update_id = (await r.json())["lastUpdateId"]
        url = f"wss://{host}:{port}/proxy/protect/ws/updates?lastUpdateId={last_update_id}"
        async with session.ws_connect(url, headers={"x-csrf-token": csrf}) as socket:
            # The console registers the socket just after its 101 answer and sends only to registered sockets: the
            # triggers wait until it has (60 s at most).
            registered = asyncio.get_running_loop().time() + 60
            while triggers:
                async with session.get(f"{base}/__sim/stats") as r:
                    if (await r.json())["websocket"]["open"] >= 1:
                        break
                if asyncio.get_running_loop().time() > registered:
                    raise SystemExit("the websocket was not registered by the console within 60 s")
                await asyncio.sleep(0.05)
            for trigger in triggers:
                async with session.post(f"{base}/__sim/events", data=trigger) as r:
                    print(json.dumps({"triggered": await r.json()}), flush=True)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + float(seconds)
            while loop.time() < deadline:
                try:
                    message = await socket.receive(timeout=max(0.01, deadline - loop.time()))
                except asyncio.TimeoutError:
                    break
                if message.type != aiohttp.WSMsgType.BINARY:
                    print(json.dumps({"closed": str(message.type), "extra": str(message.extra)}), flush=True)
                    break
                action, data = decode(message.data)
                print(json.dumps({"action": action, "data": data, "size": len(message.data)}), flush=True)
                if action.get("modelKey") == "event" and isinstance(data, dict) and data.get("end") is not None:
                    ends += 1
                    if until_ends is not None and ends >= until_ends:
                        break


asyncio.run(main())
