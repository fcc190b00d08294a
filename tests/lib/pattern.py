#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write an offset-stamped pattern file: pattern.py PATH BYTES [BASE [SEED]].

Every 512-byte block starts with the text "zcio@<offset, 16 hex>:<seed, 2 hex>\\n",
where offset is BASE plus the block's position in the file (its absolute
offset on the device the file is meant for); the rest of the block is a
byte ramp that depends on the block number and SEED.  A block written to
or read from the wrong place, a stale block from an earlier SEED, or a
torn block all differ from the expected file, and `hexdump -C` shows
where a wrong block came from.  BYTES takes k/M/G suffixes; BYTES and
BASE must be multiples of 512.
"""
import sys

BLOCK = 512


def size(text):
    mult = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}.get(text[-1:].lower())
    return int(text[:-1], 0) * mult if mult else int(text, 0)


def main():
    if not 3 <= len(sys.argv) <= 5:
        sys.exit(__doc__.splitlines()[0])
    path, nbytes = sys.argv[1], size(sys.argv[2])
    base = size(sys.argv[3]) if len(sys.argv) > 3 else 0
    seed = int(sys.argv[4], 0) & 0xFF if len(sys.argv) > 4 else 0
    if nbytes % BLOCK or base % BLOCK:
        sys.exit("pattern.py: BYTES and BASE must be multiples of 512")

    head_len = len(b"zcio@%016x:%02x\n" % (0, 0))
    # The ramp after the stamp only depends on (block number + seed) mod
    # 256: build the 256 variants once, then a block is stamp + tail.
    tails = [bytes((v + i) & 0xFF for i in range(BLOCK - head_len))
             for v in range(256)]
    with open(path, "wb") as f:
        chunk = []
        for off in range(base, base + nbytes, BLOCK):
            chunk.append(b"zcio@%016x:%02x\n" % (off, seed))
            chunk.append(tails[(off // BLOCK + seed) & 0xFF])
            if len(chunk) >= 4096:
                f.write(b"".join(chunk))
                chunk = []
        f.write(b"".join(chunk))


if __name__ == "__main__":
    main()
