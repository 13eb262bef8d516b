#!/usr/bin/env python3
"""A reference producer for Windrow's ZeroMQ protocol, written from docs/protocol.md alone,
with the PyPI `pyzmq` and `lz4` packages. Used by scripts/client_test.py: if the document and
the implementation disagree, that test fails.

    python3 scripts/zmq_producer.py --acked tcp://127.0.0.1:5556 --name demo.py --count 10000
"""
import argparse, json, random, struct, time

import lz4.block
import zmq


def crc32c(data, crc=0):
    """CRC-32C (Castagnoli), reflected polynomial 0x82F63B78, table-driven."""
    crc ^= 0xFFFFFFFF
    for byte in data:
        crc = TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = _table()


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def string(s):
    b = s.encode()
    return varint(len(b)) + b


def sample_batch(batch_id, series, samples, compress=True, producer=None, sequence=0):
    """series: [(name, type 0|1|2, {tag: value})]; samples: [(series index, ns, value)].
    With `producer`, the batch is keyed (flags bit 1): the payload starts with the producer id
    and `sequence`, and a mapper answers a retry of it with its first acknowledgement."""
    payload = bytearray()
    if producer:
        payload += string(producer) + struct.pack("<Q", sequence)
    payload += varint(len(series))
    for name, kind, tags in series:
        payload += string(name) + bytes([kind]) + varint(len(tags))
        for key in sorted(tags):
            payload += string(key) + string(tags[key])
    payload += b"".join(struct.pack("<I", s[0]) for s in samples)
    previous = 0
    for _, ns, _ in samples:
        payload += struct.pack("<q", (ns - previous + 2**63) % 2**64 - 2**63)
        previous = ns
    payload += b"".join(struct.pack("<d", s[2]) for s in samples)
    stored, flags = bytes(payload), 2 if producer else 0
    if compress and len(payload) >= 256:
        block = lz4.block.compress(bytes(payload), store_size=False)
        if len(block) < len(payload):
            stored, flags = block, flags | 1
    head = b"WNDW" + struct.pack("<BBHQIII", 1, 1, flags, batch_id, len(samples), len(payload), len(stored))
    return head + struct.pack("<I", crc32c(stored, crc32c(head))) + stored


def send_push(endpoint, frames, token=None):
    """Fire-and-forget: one message per batch on a PUSH socket: [frame], or [frame, token] for
    mappers that require a token."""
    context = zmq.Context.instance()
    socket = context.socket(zmq.PUSH)
    socket.setsockopt(zmq.LINGER, 10_000)
    socket.connect(endpoint)
    for frame in frames:
        socket.send_multipart([frame] + ([token.encode()] if token else []))
    socket.close()


def send_acked(endpoint, frames, timeout_ms=30_000, token=None, attempts=1):
    """Acknowledged: [request id, b"samples", frame] (plus [token] for mappers that require one)
    on a DEALER; returns the JSON replies in frame order. Frames still unanswered after
    `timeout_ms` are sent again, up to `attempts` times in all: safe for keyed frames, which
    the mapper counts once however often they arrive."""
    context = zmq.Context.instance()
    socket = context.socket(zmq.DEALER)
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect(endpoint)
    replies, request_of, next_id = {}, {}, 1
    for _ in range(attempts):
        for index, frame in enumerate(frames):
            if index not in replies:
                request_of[next_id] = index
                socket.send_multipart([struct.pack("<Q", next_id), b"samples", frame] + ([token.encode()] if token else []))
                next_id += 1
        deadline = time.monotonic() + timeout_ms / 1000
        while len(replies) < len(frames) and time.monotonic() < deadline:
            if not socket.poll(max(1, int((deadline - time.monotonic()) * 1000))):
                break
            request_id, status, body = socket.recv_multipart()
            if status != b"\x00":
                raise RuntimeError(body.decode())
            replies.setdefault(request_of[struct.unpack("<Q", request_id)[0]], json.loads(body))
        if len(replies) == len(frames):
            break
    socket.close()
    if len(replies) < len(frames):
        raise TimeoutError(f"{len(frames) - len(replies)} of {len(frames)} batches unanswered after {attempts} attempts")
    return [replies[n] for n in range(len(frames))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--push", help="a mapper's PULL endpoint")
    target.add_argument("--acked", help="a mapper's acknowledged endpoint")
    parser.add_argument("--name", default="demo.py")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--token", help="token with write scope, for mappers that require one")
    options = parser.parse_args()
    series = [(options.name, 0, {"host": f"h{i}"}) for i in range(4)]
    now = time.time_ns()
    samples = [(i % 4, now - i * 1_000_000, random.uniform(0, 100)) for i in range(options.count)]
    frames = [sample_batch(n + 1, series, samples[o:o + options.batch]) for n, o in enumerate(range(0, len(samples), options.batch))]
    if options.push:
        send_push(options.push, frames, options.token)
        print(f"sent {len(samples)} samples in {len(frames)} batches")
    else:
        replies = send_acked(options.acked, frames, token=options.token)
        print(f"acknowledged {sum(r['accepted'] for r in replies)} samples, rejected {sum(r['rejected'] for r in replies)}")


if __name__ == "__main__":
    main()
