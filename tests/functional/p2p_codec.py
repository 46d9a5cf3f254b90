"""A minimal Python speaker of Waybill's P2P protocol (docs/PROTOCOL.md §12), written from the
document: framing, the messages a test needs, and a blocking peer over a real TCP socket.
Used by the tests that play a peer (honest or not) against real nodes."""

import hashlib
import os
import socket
import struct
import time

FRAME_HEADER_SIZE = 24
COMMANDS = ("version", "verack", "ping", "pong", "getaddr", "addr", "inv", "getdata",
            "notfound", "getheaders", "headers", "block", "tx", "mempool", "txs")
INV_TX = 1
INV_BLOCK = 2


def sha256d(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()


def compact_size(n):
    if n < 0xfd:
        return bytes([n])
    if n <= 0xffff:
        return b"\xfd" + struct.pack("<H", n)
    if n <= 0xffffffff:
        return b"\xfe" + struct.pack("<I", n)
    return b"\xff" + struct.pack("<Q", n)


def read_compact_size(data, pos):
    first = data[pos]
    if first < 0xfd:
        return first, pos + 1
    if first == 0xfd:
        return struct.unpack_from("<H", data, pos + 1)[0], pos + 3
    if first == 0xfe:
        return struct.unpack_from("<I", data, pos + 1)[0], pos + 5
    return struct.unpack_from("<Q", data, pos + 1)[0], pos + 9


def frame(magic, command, payload, checksum=None, length=None):
    """A frame; checksum or length may be given to forge a bad one."""
    cmd = command.encode().ljust(12, b"\0")
    if checksum is None:
        checksum = sha256d(payload)[:4]
    if length is None:
        length = len(payload)
    return struct.pack("<I", magic) + cmd + struct.pack("<I", length) + checksum + payload


def net_address(ip="127.0.0.1", port=0):
    packed = b"\0" * 10 + b"\xff\xff" + socket.inet_aton(ip)
    return packed + struct.pack("<H", port)


def version_payload(genesis_hex, nonce=None, best_height=0, listen_port=0,
                    user_agent="/python-test/", version=3):
    if nonce is None:
        nonce = struct.unpack("<Q", os.urandom(8))[0]
    ua = user_agent.encode()
    return (struct.pack("<IQQ", version, 1, int(time.time())) + bytes.fromhex(genesis_hex) +
            struct.pack("<IHQ", best_height, listen_port, nonce) + net_address() +
            compact_size(len(ua)) + ua)


def txs_payload(txs):
    """A txs message (protocol 4, §12.5): CompactSize count, then each tx's encoding (bytes)
    with a CompactSize length before it."""
    return compact_size(len(txs)) + b"".join(compact_size(len(t)) + t for t in txs)


def parse_txs(payload):
    """The encoded txs of a txs payload, in order."""
    n, pos = read_compact_size(payload, 0)
    txs = []
    for _ in range(n):
        length, pos = read_compact_size(payload, pos)
        txs.append(payload[pos:pos + length])
        pos += length
    assert pos == len(payload), "trailing bytes in txs"
    return txs


def inv_payload(items):
    """items: [(type, hash_hex)]"""
    out = compact_size(len(items))
    for t, h in items:
        out += bytes([t]) + bytes.fromhex(h)
    return out


def parse_inv(payload):
    n, pos = read_compact_size(payload, 0)
    items = []
    for _ in range(n):
        items.append((payload[pos], payload[pos + 1:pos + 33].hex()))
        pos += 33
    return items


def parse_version(payload):
    """The fields of a version payload (§12.1) as a dict."""
    version, services, timestamp = struct.unpack_from("<IQQ", payload, 0)
    genesis = payload[20:52].hex()
    best_height, listen_port, nonce = struct.unpack_from("<IHQ", payload, 52)
    receiver = payload[66:84]
    ua_len, pos = read_compact_size(payload, 84)
    return {"version": version, "services": services, "timestamp": timestamp,
            "genesis": genesis, "best_height": best_height, "listen_port": listen_port,
            "nonce": nonce, "receiver": receiver.hex(),
            "user_agent": payload[pos:pos + ua_len].decode(errors="replace")}


def getheaders_payload(locator_hex, stop_hex="00" * 32):
    out = compact_size(len(locator_hex))
    for h in locator_hex:
        out += bytes.fromhex(h)
    return out + bytes.fromhex(stop_hex)


def headers_payload(headers):
    return compact_size(len(headers)) + b"".join(headers)


def parse_headers(payload):
    n, pos = read_compact_size(payload, 0)
    return [payload[pos + 116 * i:pos + 116 * (i + 1)] for i in range(n)]


class P2PConnection:
    """A blocking TCP peer. source_ip picks the local address (127.0.0.x), so a ban of this
    peer does not hit the other nodes on 127.0.0.1."""

    def __init__(self, host, port, magic, source_ip=None, timeout=10):
        self.magic = magic
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        if source_ip:
            self.sock.bind((source_ip, 0))
        self.sock.connect((host, port))
        self.buffer = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, command, payload=b""):
        self.send_raw(frame(self.magic, command, payload))

    def _read_exact(self, n, deadline):
        while len(self.buffer) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no data in time")
            self.sock.settimeout(remaining)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the node")
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def receive(self, timeout=10):
        """The next (command, payload); raises ConnectionError when the node hangs up."""
        deadline = time.monotonic() + timeout
        header = self._read_exact(FRAME_HEADER_SIZE, deadline)
        magic, = struct.unpack_from("<I", header, 0)
        if magic != self.magic:
            raise ValueError(f"wrong magic {magic:#x}")
        command = header[4:16].rstrip(b"\0").decode()
        length, = struct.unpack_from("<I", header, 16)
        payload = self._read_exact(length, deadline)
        if sha256d(payload)[:4] != header[20:24]:
            raise ValueError("bad checksum from the node")
        return command, payload

    def wait_for(self, command, timeout=10, answer_pings=True):
        """Reads until a message of this command arrives; returns its payload."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {command} in time")
            got, payload = self.receive(remaining)
            if got == command:
                return payload
            if got == "ping" and answer_pings:
                self.send("pong", payload)

    def handshake(self, genesis_hex, best_height=0, timeout=10, version=3):
        """Version 3 (the default) is served one tx per tx message; 4 gets txs messages."""
        self.send("version", version_payload(genesis_hex, best_height=best_height,
                                             version=version))
        version = self.wait_for("version", timeout)
        self.send("verack")
        self.wait_for("verack", timeout)
        return version

    def collect(self, duration, answer_pings=True):
        """Every (command, payload) that arrives within duration seconds (pings answered)."""
        deadline = time.monotonic() + duration
        got = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return got
            try:
                command, payload = self.receive(remaining)
            except (TimeoutError, socket.timeout):
                return got
            got.append((command, payload))
            if command == "ping" and answer_pings:
                self.send("pong", payload)

    def is_closed_by_node(self, timeout=10):
        """True once the node closes the connection (reading what it sends until then)."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.receive(deadline - time.monotonic())
        except (ConnectionError, ConnectionResetError, BrokenPipeError):
            return True
        except (TimeoutError, socket.timeout):
            return False
        return False


def connection_refused(host, port, magic, source_ip=None, timeout=5):
    """True if the node refuses a connection from source_ip: the connect fails, or the node
    closes the socket without ever sending a version. False if it sends its version (it
    accepted the peer)."""
    try:
        conn = P2PConnection(host, port, magic, source_ip=source_ip, timeout=timeout)
    except (ConnectionRefusedError, ConnectionResetError):
        return True
    try:
        conn.receive(timeout)
        return False  # it spoke: accepted
    except (ConnectionError, ConnectionResetError, BrokenPipeError):
        return True
    except (TimeoutError, socket.timeout):
        return False  # neither closed nor greeted: not what a refusal looks like
    finally:
        conn.close()
