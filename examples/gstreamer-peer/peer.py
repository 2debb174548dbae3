#!/usr/bin/python3
"""A SIP peer made of GStreamer's webrtcbin: it registers over secure WebSocket (RFC 7118) and echoes the
caller's audio back. A starting point for bots, IVRs and recorders that take calls from browsers.

Only Debian packages: python3-gi, python3-gst-1.0, gir1.2-gst-plugins-bad-1.0, gstreamer1.0-plugins-bad,
gstreamer1.0-plugins-good, gstreamer1.0-nice and python3-websockets. See README.md.
Prints one JSON object per line on stdout for every event; errors go to stderr.
"""
import argparse
import asyncio
import hashlib
import json
import os
import re
import secrets
import signal
import ssl
import sys
import time
import urllib.parse

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("GstSdp", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402
import websockets  # noqa: E402

ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE"
COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length",
           "c": "content-type"}
LISTS = {"via", "route", "record-route", "contact"}  # headers whose values may be joined with commas


def emit(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


def warn(text):
    print(text, file=sys.stderr, flush=True)


def token():
    return secrets.token_hex(6)


TASKS = set()


def spawn(coroutine):
    """Runs a coroutine in the background, holding on to it until done (asyncio keeps only a weak reference)."""
    task = asyncio.create_task(coroutine)
    TASKS.add(task)
    task.add_done_callback(TASKS.discard)
    return task


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def split_list(value):
    """Splits `a, <sip:b,c>;x="y,z"` at the commas that are outside <> and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(value):
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "<>":
            depth += 1 if ch == "<" else -1
        elif ch == "," and not quoted and depth == 0:
            parts.append(value[start:i].strip())
            start = i + 1
    return parts + [value[start:].strip()]


def tag_of(header):
    match = re.search(r";\s*tag=([^;\s]+)", header.rsplit(">", 1)[-1])
    return match.group(1) if match else None


def uri_of(header):
    match = re.search(r"<([^>]*)>", header)
    return match.group(1) if match else header.split(";")[0].strip()


class Message:
    """A parsed SIP request or response; header names are lower case."""

    def __init__(self, text):
        head, _, self.body = text.partition("\r\n\r\n")
        lines = re.sub(r"\r\n[ \t]+", " ", head).split("\r\n")  # unfold continuation lines
        self.first = lines[0]
        self.headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = COMPACT.get(name.strip().lower(), name.strip().lower())
            values = split_list(value.strip()) if name in LISTS else [value.strip()]
            self.headers += [(name, v) for v in values]
        parts = self.first.split(" ", 2)
        self.status = int(parts[1]) if parts[0] == "SIP/2.0" else None
        self.method = None if self.status else parts[0]

    def all(self, name):
        return [v for n, v in self.headers if n == name]

    def get(self, name, default=None):
        return next(iter(self.all(name)), default)

    def branch(self):
        match = re.search(r";\s*branch=([^;\s]+)", self.get("via", ""))
        return match.group(1) if match else None


def render(first, headers, body=""):
    return "\r\n".join([first, *headers, f"Content-Length: {len(body.encode())}", "", body])


def digest(challenge, user, password, method, uri):
    """The Authorization value answering a Digest challenge (MD5, qop=auth when offered: RFC 2617)."""
    p = {k.lower(): v.strip('"') for k, v in re.findall(r'(\w+)=("[^"]*"|[^\s,]+)', challenge)}
    if p.get("algorithm", "MD5").upper() != "MD5":
        raise RuntimeError(f"unsupported digest algorithm {p['algorithm']}")
    realm, nonce = p["realm"], p["nonce"]
    ha1, ha2 = md5(f"{user}:{realm}:{password}"), md5(f"{method}:{uri}")
    value = f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", algorithm=MD5'
    if "auth" in [q.strip() for q in p.get("qop", "").split(",")]:
        cnonce = token()  # a fresh nonce is asked for each time, so the count is always 1
        response = md5(f"{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}")
        value += f', response="{response}", qop=auth, nc=00000001, cnonce="{cnonce}"'
    else:
        value += f', response="{md5(f"{ha1}:{nonce}:{ha2}")}"'
    return value + (f', opaque="{p["opaque"]}"' if "opaque" in p else "")


# What the caller says goes into RECEIVE (depayload it from RTP); SEND makes what the caller hears (RTP, payload
# type {pt}). By default an echo: Opus goes into the appsink "heard" and back out of the appsrc "say", not decoded
# (the app elements keep the graph free of a loop through webrtcbin). --receive/--send replace them; {call} in
# them becomes the call's start time, e.g. for file names. See README.md.
RECEIVE = "rtpopusdepay ! appsink name=heard emit-signals=true sync=false"
SEND = "appsrc name=say is-live=true format=time ! rtpopuspay pt={pt}"


class Media:
    """One call's pipeline: webrtcbin between the caller and the RECEIVE and SEND branches."""

    def __init__(self, turn, receive, send, on_state):
        self.receive_text, self.send_text = receive, send
        self.loop = asyncio.get_running_loop()
        self.pipe = Gst.Pipeline.new("call")
        self.webrtc = Gst.ElementFactory.make("webrtcbin", "webrtc")
        self.webrtc.set_property("bundle-policy", GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
        self.webrtc.set_property("ice-transport-policy", GstWebRTC.WebRTCICETransportPolicy.RELAY)
        if not self.webrtc.emit("add-turn-server", turn):
            raise RuntimeError("webrtcbin refused the TURN URL (percent-escape ':' '/' '+' '=' in user and password)")
        self.pipe.add(self.webrtc)
        self.gathered = asyncio.Event()
        self.counts = {"received": 0, "sent": 0, "bytes_received": 0, "bytes_sent": 0}
        self.webrtc.connect("notify::ice-gathering-state", self._on_gathering)
        for kind, name in (("ice", "ice-connection-state"), ("connection", "connection-state")):
            self.webrtc.connect(f"notify::{name}", lambda w, _, kind=kind, name=name: self.loop.call_soon_threadsafe(
                on_state, kind, w.get_property(name).value_nick))
        self.webrtc.connect("pad-added", self._on_pad)

    def _on_gathering(self, webrtc, _):
        if webrtc.get_property("ice-gathering-state") == GstWebRTC.WebRTCICEGatheringState.COMPLETE:
            self.loop.call_soon_threadsafe(self.gathered.set)

    def _count(self, direction):
        def probe(_pad, info):
            self.counts[direction] += 1
            self.counts["bytes_" + direction] += info.get_buffer().get_size()
            return Gst.PadProbeReturn.OK
        return probe

    def _on_pad(self, _webrtc, pad):
        # One src pad per incoming RTP stream (decrypted): the first goes to RECEIVE, any other is dropped.
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        sink = self.receive.get_static_pad("sink")
        if sink.is_linked():
            drop = Gst.ElementFactory.make("fakesink")
            self.pipe.add(drop)
            drop.sync_state_with_parent()
            sink = drop.get_static_pad("sink")
        pad.add_probe(Gst.PadProbeType.BUFFER, self._count("received"))
        pad.link(sink)

    async def _promise(self, action, *args, field=None):
        promise = Gst.Promise.new()
        self.webrtc.emit(action, *args, promise)
        await asyncio.to_thread(promise.wait)
        reply = promise.get_reply()  # owned by the promise, and so is what it holds: copy it
        if reply is not None and reply.has_field("error"):
            raise RuntimeError(f"{action}: {reply.get_value('error').message}")
        return reply.get_value(field).copy() if field else None

    async def answer(self, offer_sdp):
        """Returns the SDP answer, candidates included: the browser does no trickle ICE, neither do we."""
        match = re.search(r"^a=rtpmap:(\d+) opus/48000", offer_sdp, re.M | re.I)
        if not match:
            raise ValueError("the offer has no Opus")
        pt = int(match.group(1))
        call = time.strftime("%Y%m%d-%H%M%S")
        self.receive = Gst.parse_bin_from_description(self.receive_text.format(pt=pt, call=call), True)
        send = Gst.parse_bin_from_description(self.send_text.format(pt=pt, call=call), True)
        self.pipe.add(self.receive)
        self.pipe.add(send)
        heard, say = self.receive.get_by_name("heard"), send.get_by_name("say")
        if heard and say:  # the echo
            heard.connect("new-sample", lambda sink: say.emit("push-sample", sink.emit("pull-sample")))
        # A linked send pad makes the transceiver sendrecv; without one webrtcbin answers recvonly.
        sink = self.webrtc.request_pad_simple("sink_%u")
        send.get_static_pad("src").link(sink)
        sink.add_probe(Gst.PadProbeType.BUFFER, self._count("sent"))
        transceiver = sink.get_property("transceiver")
        transceiver.set_property("direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDRECV)
        transceiver.set_property("codec-preferences", Gst.Caps.from_string(
            f"application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload={pt}"))
        self.pipe.set_state(Gst.State.PLAYING)

        _, sdp = GstSdp.SDPMessage.new_from_text(offer_sdp)
        offer = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.OFFER, sdp)
        await self._promise("set-remote-description", offer)
        answer = await self._promise("create-answer", None, field="answer")
        await self._promise("set-local-description", answer)
        await asyncio.wait_for(self.gathered.wait(), 20)
        text = self.webrtc.get_property("local-description").sdp.as_text()
        if "typ relay" not in text:
            raise RuntimeError("no relay candidate gathered: is the TURN server reachable, are the credentials valid?")
        return text

    def errors(self):
        while (message := self.pipe.get_bus().pop_filtered(Gst.MessageType.ERROR)) is not None:
            error, debug = message.parse_error()
            warn(f"pipeline: {error.message} ({debug})")

    async def stop(self):
        await asyncio.to_thread(self.pipe.set_state, Gst.State.NULL)


class Call:
    """The dialog of one incoming call, seen from its callee (RFC 3261 §12.1.1)."""

    def __init__(self, invite):
        self.invite = invite
        self.call_id = invite.get("call-id")
        self.local_tag = token()
        self.local = f"{invite.get('to')};tag={self.local_tag}"  # our From in requests we send
        self.remote = invite.get("from")
        self.remote_target = uri_of(invite.get("contact", ""))
        self.route_set = invite.all("record-route")
        self.cseq = 0
        self.media = self.sdp = None
        self.tasks = []
        self.ended = False

    def matches(self, request):
        return request.get("call-id") == self.call_id and tag_of(request.get("to", "")) == self.local_tag

    def next_cseq(self):
        self.cseq += 1
        return self.cseq


class Peer:
    def __init__(self, args, password):
        self.args, self.password = args, password
        self.aor = f"sip:{args.user}@{args.domain}"
        self.instance = token()  # our `.invalid` host, as browsers do (RFC 7118 §5)
        self.contact = f"<sip:{args.user}@{self.instance}.invalid;transport=ws>"
        self.reg_call_id, self.reg_tag, self.reg_cseq = f"{token()}@{self.instance}.invalid", token(), 0
        self.pending = {}  # Via branch -> future of the final response
        self.ws = None
        self.call = None

    async def send(self, text):
        if self.args.trace:
            warn(f"--> {text}")
        await self.ws.send(text)

    async def respond(self, req, code, reason, headers=(), body="", tag=None):
        to = req.get("to")
        if tag and not tag_of(to):
            to += f";tag={tag}"
        lines = [f"Via: {v}" for v in req.all("via")]
        if req.method == "INVITE" and 100 < code < 300:
            lines += [f"Record-Route: {r}" for r in req.all("record-route")]
        lines += [f"From: {req.get('from')}", f"To: {to}", f"Call-ID: {req.get('call-id')}", f"CSeq: {req.get('cseq')}",
                  *headers]
        await self.send(render(f"SIP/2.0 {code} {reason}", lines, body))

    async def transact(self, method, uri, headers, next_cseq):
        """Sends a request and returns its final response, answering a 401/407 digest challenge."""
        auth = None
        for _ in range(3):
            branch = "z9hG4bK" + token()
            future = self.pending[branch] = asyncio.get_running_loop().create_future()
            await self.send(render(f"{method} {uri} SIP/2.0", [
                f"Via: SIP/2.0/WSS {self.instance}.invalid;branch={branch}", "Max-Forwards: 70", *headers,
                f"CSeq: {next_cseq()} {method}", *([auth] if auth else []), "User-Agent: gstreamer-peer"]))
            try:
                response = await asyncio.wait_for(future, 32)
            finally:
                self.pending.pop(branch, None)
            name = {401: "www-authenticate", 407: "proxy-authenticate"}.get(response.status)
            challenge = response.get(name, "") if name else ""
            if not challenge or (auth and "stale=true" not in challenge.lower()):
                return response
            header = "Authorization" if response.status == 401 else "Proxy-Authorization"
            auth = f"{header}: {digest(challenge, self.args.user, self.password, method, uri)}"
        return response

    def _reg_cseq(self):
        self.reg_cseq += 1
        return self.reg_cseq

    async def register(self, expires):
        """REGISTERs our contact; returns the expiry the registrar granted (0 when unregistering)."""
        response = await self.transact("REGISTER", f"sip:{self.args.domain}", [
            f"From: <{self.aor}>;tag={self.reg_tag}", f"To: <{self.aor}>", f"Call-ID: {self.reg_call_id}",
            f"Contact: {self.contact}", f"Expires: {expires}", f"Allow: {ALLOW}"], self._reg_cseq)
        if response.status in (401, 403, 407):  # wrong credentials: trying again will not help
            raise SystemExit(f"REGISTER refused: {response.first}; check --user, --domain and the password")
        if response.status != 200:
            raise RuntimeError(f"REGISTER: {response.first}")
        if expires == 0:
            emit("unregistered")
            return 0
        ours = [c for c in response.all("contact") if self.instance in c]
        match = re.search(r";\s*expires=(\d+)", ours[0] if ours else "")
        granted = int(match.group(1) if match else response.get("expires", expires))
        emit("registered", aor=self.aor, expires=granted)
        return granted

    async def keep_registered(self, granted):
        while True:
            await asyncio.sleep(max(granted * 0.8, granted - 60, 5))
            granted = await self.register(self.args.expires)

    async def read(self):
        async for data in self.ws:
            text = data if isinstance(data, str) else data.decode()
            if self.args.trace:
                warn(f"<-- {text}")
            try:
                message = Message(text)
            except (ValueError, IndexError):
                warn(f"unparsable message: {text[:80]!r}")
                continue
            if message.status:
                future = self.pending.get(message.branch())
                if future and not future.done() and message.status >= 200:
                    future.set_result(message)
            else:
                spawn(self.on_request(message))

    async def on_request(self, req):
        call = self.call
        in_call = call is not None and call.matches(req)
        try:
            if req.method == "INVITE" and not tag_of(req.get("to", "")):
                await self.on_invite(req)
            elif req.method == "ACK":
                pass  # confirms our 200 (or ends a failed INVITE); nothing to send back
            elif req.method == "CANCEL":
                pending = call and (call.call_id, call.invite.branch()) == (req.get("call-id"), req.branch())
                await self.respond(req, 200 if pending else 481, "OK" if pending else "Call/Transaction Does Not Exist")
                if pending and not call.sdp:
                    await self.respond(call.invite, 487, "Request Terminated", tag=call.local_tag)
                    emit("cancel")
                    await self.end(call)
            elif req.method == "BYE" and in_call:
                await self.respond(req, 200, "OK")
                emit("bye", by="remote")
                await self.end(call)
            elif req.method == "INVITE" and in_call:  # a session refresh: the same answer again
                await self.respond(req, 200, "OK", [f"Contact: {self.contact}", "Content-Type: application/sdp"],
                                   call.sdp)
            elif req.method == "OPTIONS" or in_call:  # OPTIONS, and UPDATE/INFO/... within the call
                await self.respond(req, 200, "OK", [f"Allow: {ALLOW}", "Accept: application/sdp"])
            elif tag_of(req.get("to", "")):
                await self.respond(req, 481, "Call/Transaction Does Not Exist")
            else:
                await self.respond(req, 405, "Method Not Allowed", [f"Allow: {ALLOW}"])
        except Exception as error:  # one bad request must not stop the peer
            warn(f"{req.method}: {error!r}")

    async def on_invite(self, invite):
        if self.call:
            await self.respond(invite, 486, "Busy Here", tag=token())
            return
        call = self.call = Call(invite)
        emit("incoming", **{"from": uri_of(call.remote), "call_id": call.call_id})
        await self.respond(invite, 100, "Trying")
        await self.respond(invite, 180, "Ringing", [f"Contact: {self.contact}"], tag=call.local_tag)
        try:
            call.media = Media(self.args.turn, self.args.receive, self.args.send,
                               lambda kind, state: self.on_state(call, kind, state))
            sdp = await call.media.answer(invite.body)
        except Exception as error:
            if not call.ended:  # else cancelled: the pipeline was stopped under us
                warn(f"answering: {error!r}")
                await self.respond(invite, 488, "Not Acceptable Here", tag=call.local_tag)
                await self.end(call)
            return
        if call.ended:  # cancelled while we gathered candidates
            return
        call.sdp = sdp
        await self.respond(invite, 200, "OK", [f"Contact: {self.contact}", f"Allow: {ALLOW}",
                                               "Content-Type: application/sdp"], sdp, tag=call.local_tag)
        emit("answered")
        call.tasks.append(spawn(self.report(call)))
        if self.args.max_call_seconds > 0:
            call.tasks.append(spawn(self.hang_up_after(call, self.args.max_call_seconds)))

    def on_state(self, call, kind, state):
        emit(kind, state=state)
        if state == "failed" and not call.ended:
            spawn(self.hang_up(call))

    async def report(self, call):
        while True:
            await asyncio.sleep(1)
            call.media.errors()
            emit("rtp", **call.media.counts)

    async def hang_up_after(self, call, seconds):
        await asyncio.sleep(seconds)
        await self.hang_up(call)

    async def hang_up(self, call):
        """Sends BYE along the route set the INVITE's Record-Route built (loose routing, RFC 3261 §12.2.1.1)."""
        if call.ended or not call.sdp:
            return
        emit("bye", by="local")
        await self.end(call)
        try:
            await self.transact("BYE", call.remote_target, [
                *[f"Route: {r}" for r in call.route_set], f"From: {call.local}", f"To: {call.remote}",
                f"Call-ID: {call.call_id}"], call.next_cseq)
        except (asyncio.TimeoutError, websockets.ConnectionClosed) as error:
            warn(f"BYE: {error!r}")

    async def drop(self, call):
        """Ends a call in any state: BYE once answered, 480 before."""
        if call.sdp:
            await self.hang_up(call)
            return
        await self.end(call)
        try:
            await self.respond(call.invite, 480, "Temporarily Unavailable", tag=call.local_tag)
        except websockets.ConnectionClosed:
            pass

    async def end(self, call):
        if call.ended:
            return
        call.ended = True
        if self.call is call:
            self.call = None
        for task in call.tasks:
            if task is not asyncio.current_task():
                task.cancel()
        if call.media:
            await call.media.stop()

    async def run(self, stop):
        """Stays registered over one WebSocket (the proxy cannot open one to us), reconnecting if it drops."""
        wss = urllib.parse.urlsplit(self.args.wss)
        tls = ssl.create_default_context(cafile=self.args.ca)
        connect = {"subprotocols": ["sip"], "ssl": tls, "server_hostname": wss.hostname}
        if self.args.resolve:
            name, _, address = self.args.resolve.partition(":")
            if name != wss.hostname:
                raise SystemExit(f"--resolve names {name}, the URL {wss.hostname}")
            connect.update(host=address, port=wss.port or 443)
        while not stop.is_set():
            try:
                async with websockets.connect(self.args.wss, **connect) as self.ws:
                    reader = asyncio.create_task(self.read())
                    refresher = asyncio.create_task(self.keep_registered(await self.register(self.args.expires)))
                    stopping = asyncio.create_task(stop.wait())
                    await asyncio.wait({reader, refresher, stopping}, return_when=asyncio.FIRST_COMPLETED)
                    for task in (refresher, stopping):
                        task.cancel()
                    if self.call:
                        await self.drop(self.call)
                    if stop.is_set():
                        await self.register(0)
                    else:  # the connection dropped or a refresh failed: say why
                        error = (refresher if refresher.done() and not refresher.cancelled() else reader).exception()
                        warn(f"connection lost: {error!r}" if error else "connection closed by the proxy")
                    reader.cancel()
            except (OSError, RuntimeError, asyncio.TimeoutError, websockets.WebSocketException) as error:
                warn(f"{self.args.wss}: {error!r}")
            if not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), 5)
                except asyncio.TimeoutError:
                    pass


def turn_url(url):
    """The TURN URL, with the password from TURN_PASSWORD if set (so that it stays out of `ps`)."""
    password = os.environ.get("TURN_PASSWORD")
    if not password:
        return url
    scheme, rest = url.split("://", 1)
    userinfo, _, hostport = rest.rpartition("@")
    return f"{scheme}://{userinfo.split(':')[0]}:{urllib.parse.quote(password, safe='')}@{hostport}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wss", required=True, help="the proxy's WebSocket URL, e.g. wss://sip-proxy.falcot.com:8443")
    parser.add_argument("--user", required=True, help="SIP user (and digest username), e.g. support")
    parser.add_argument("--domain", required=True, help="SIP domain, e.g. falcot.com")
    parser.add_argument("--password-file", help="file holding the SIP password (default: env SIP_PASSWORD)")
    parser.add_argument("--turn", required=True,
                        help="turn(s)://USER:PASS@host:port, USER and PASS percent-escaped "
                             "(env TURN_PASSWORD replaces PASS)")
    parser.add_argument("--ca", help="CA certificate file to verify the proxy with (default: the system's)")
    parser.add_argument("--resolve", help="HOST:ADDR: connect to ADDR, keep HOST for TLS and SIP")
    parser.add_argument("--max-call-seconds", type=float, default=0, help="hang up after this long (0: never)")
    parser.add_argument("--expires", type=int, default=600, help="registration lifetime asked for, in seconds")
    parser.add_argument("--receive", default=RECEIVE, help="pipeline fed with the caller's RTP (default: %(default)s)")
    parser.add_argument("--send", default=SEND,
                        help="pipeline making the RTP sent to the caller (default: %(default)s)")
    parser.add_argument("--trace", action="store_true", help="print every SIP message on stderr")
    args = parser.parse_args()
    if args.password_file:
        with open(args.password_file, encoding="utf-8") as file:
            password = file.read().strip("\r\n")
    else:
        password = os.environ.get("SIP_PASSWORD") or parser.error("give --password-file or SIP_PASSWORD")
    args.turn = turn_url(args.turn)

    Gst.init(None)
    missing = [name for name in ("webrtcbin", "nicesrc", "rtpopuspay", "rtpbin") if not Gst.ElementFactory.find(name)]
    if missing:
        raise SystemExit(f"missing GStreamer elements {missing}: install gstreamer1.0-plugins-bad, "
                         "gstreamer1.0-plugins-good and gstreamer1.0-nice")
    for description, pad in ((args.receive, "sink"), (args.send, "src")):  # refuse a broken one now, not at a call
        try:
            if not Gst.parse_bin_from_description(description.format(pt=111, call="check"), True).get_static_pad(pad):
                raise SystemExit(f"{description}: needs one unlinked {pad} pad")
        except (GLib.Error, KeyError, IndexError) as error:
            raise SystemExit(f"{description}: {error}")

    async def start():
        stop = asyncio.Event()
        for number in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(number, stop.set)
        await Peer(args, password).run(stop)

    asyncio.run(start())


if __name__ == "__main__":
    main()
