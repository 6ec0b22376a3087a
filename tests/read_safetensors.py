#!/usr/bin/env python3
"""Independent reader of lidecm tensor files, Python standard library only.

Proves the layout is plain safetensors (8-byte little-endian header length,
space-padded JSON header, contiguous data buffer) and that the checksum is
zlib's CRC-32 of the data buffer, without any lidecm code.

  read_safetensors.py FILE               check the layout and lidecm metadata;
                                         for a model file (it has run.json) also
                                         check the codebook against the config
  read_safetensors.py --writer EXE       run EXE OUT (write_tensor_fixture),
                                         check OUT and its known values
"""
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import zlib

# dtype -> (bytes per element, struct format)
DTYPES = {"F32": (4, "f"), "F64": (8, "d"), "I32": (4, "i"), "I64": (8, "q"),
          "U8": (1, "B"), "U16": (2, "H"), "U32": (4, "I"), "U64": (8, "Q")}


class Bad(Exception):
    pass


def check(ok, what):
    if not ok:
        raise Bad(what)


def read(blob):
    """Validates a lidecm tensor file; returns (tensors: name -> (dtype, shape, values), metadata)."""
    check(len(blob) >= 8, "file shorter than 8 bytes")
    (n,) = struct.unpack("<Q", blob[:8])
    check(8 + n <= len(blob), "header length %d runs past the end" % n)
    check(n % 8 == 0, "header length %d is not a multiple of 8" % n)
    text = blob[8:8 + n].decode("utf-8")
    check(text.startswith("{"), "header does not start with '{'")
    check(text.rstrip(" ") == text.strip(), "header padded with something other than trailing spaces")
    header = json.loads(text)
    check(isinstance(header, dict), "header is not an object")
    data = blob[8 + n:]

    meta = header.pop("__metadata__", None)
    check(isinstance(meta, dict) and all(isinstance(v, str) for v in meta.values()), "bad __metadata__")
    check(meta.get("format") == "lidecm", "format is not lidecm")
    check(meta.get("format_version") == "1", "format_version is not 1")
    check(meta.get("checksum") == "%08x" % zlib.crc32(data), "checksum is not zlib.crc32 of the data buffer")

    spans = []
    tensors = {}
    for name, entry in header.items():
        check(set(entry) == {"dtype", "shape", "data_offsets"}, name + ": unexpected fields")
        check(entry["dtype"] in DTYPES, name + ": unknown dtype")
        size, code = DTYPES[entry["dtype"]]
        shape = entry["shape"]
        check(isinstance(shape, list) and all(isinstance(d, int) and d >= 0 for d in shape), name + ": bad shape")
        begin, end = entry["data_offsets"]
        count = math.prod(shape)
        check(end - begin == count * size, name + ": offsets do not match dtype size x shape")
        check(begin % size == 0, name + ": not aligned to its element size")
        spans.append((begin, end, name))
        tensors[name] = (entry["dtype"], shape, struct.unpack("<%d%s" % (count, code), data[begin:end]))
    position = 0
    for begin, end, name in sorted(spans):
        check(begin == position, name + ": gap or overlap at byte %d" % begin)
        position = end
    check(position == len(data), "data buffer not covered exactly")
    return tensors, meta


EXPECTED = {
    "a_f32": ("F32", [2, 3], (-1.0, -0.5, 0.0, 0.5, 1.0, 1.5)),
    "b_f64": ("F64", [3], (3.141592653589793, -0.0, 1e300)),
    "c_i32": ("I32", [2, 2], (-1, 2, -2**31, 2**31 - 1)),
    "d_i64": ("I64", [2], (-2**62, 2**62 + 1)),
    "e_u8": ("U8", [5], (0, 1, 127, 128, 255)),
    "f_u16": ("U16", [3], (0, 1, 65535)),
    "g_u32": ("U32", [2], (0, 2**32 - 1)),
    "h_u64": ("U64", [2], (0, 2**64 - 1)),
    "i_empty": ("F32", [0], ()),
    "j_scalar": ("I64", [], (42,)),
}


def check_fixture(blob):
    tensors, meta = read(blob)
    check(set(tensors) == set(EXPECTED), "tensor names %s" % sorted(tensors))
    for name, want in EXPECTED.items():
        check(tensors[name] == want, "%s: got %s, expected %s" % (name, tensors[name], want))
    check(math.copysign(1.0, tensors["b_f64"][2][1]) < 0, "b_f64[1] lost the sign of -0.0")
    check(meta.get("note") == "h\u00e9llo \u2713", "metadata note")
    (n,) = struct.unpack("<Q", blob[:8])
    first = min(tensors, key=lambda t: json.loads(blob[8:8 + n])[t]["data_offsets"][0])
    check(DTYPES[tensors[first][0]][0] == 8, "tensors not laid out by decreasing element size")

    # The checks above must be able to fail: a flipped data byte has to be caught.
    altered = bytearray(blob)
    altered[-1] ^= 0x01
    try:
        read(bytes(altered))
    except Bad:
        return
    raise Bad("a flipped data byte went unnoticed")


def check_model(tensors):
    """A model file: its run description parses and the codebook is K x (P*P*C) of [0, 1] values."""
    _, _, text = tensors["run.json"]
    run = json.loads(bytes(text).decode("utf-8"))
    config = run["config"]
    dtype, shape, values = tensors["codebook"]
    p, c, k = config["patch_size"], config["dataset"]["channels"], config["num_codes"]
    check(dtype == "F32" and shape == [k, p * p * c], "codebook shape %s, config says %d x %d" % (shape, k, p * p * c))
    check(all(-1e-6 <= v <= 1 + 1e-6 for v in values), "codebook values outside [0, 1]")
    check(len(run["class_names"]) == tensors["learner.classes"][1][0], "class names do not match learner.classes")
    print("model: K = %d, %d classes, epoch %d" % (k, len(run["class_names"]), run["progress"]["epoch"]))


def main(argv):
    try:
        if len(argv) == 3 and argv[1] == "--writer":
            with tempfile.TemporaryDirectory() as tmp:
                out = os.path.join(tmp, "fixture.lidecm")
                subprocess.run([argv[2], out], check=True)
                with open(out, "rb") as f:
                    check_fixture(f.read())
        elif len(argv) == 2:
            with open(argv[1], "rb") as f:
                tensors, _ = read(f.read())
            if "run.json" in tensors:
                check_model(tensors)
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (Bad, ValueError, KeyError, TypeError, struct.error) as e:
        print("read_safetensors.py: FAILED: %s" % e, file=sys.stderr)
        return 1
    print("read_safetensors.py: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
