"""The few ONNX messages Haven's graphs need, written as protobuf bytes by hand: no `onnx` package at serving time.

bert_onnx.py builds its graphs (nodes, small constants, external weight initializers, typed inputs and outputs)
out of the plain objects here and hands ONNX Runtime `Model.serialize()`. Only what those graphs use is written:
ModelProto (ir_version, producer_name, graph, opset_import), GraphProto (node, name, initializer, input, output),
NodeProto (input, output, op_type, attribute), AttributeProto (FLOAT, INT, INTS), TensorProto (dims, data_type,
name, raw_data, external_data, data_location) and ValueInfoProto with a tensor type and a shape of named or fixed
dimensions. Field numbers are onnx.proto's (proto2: repeated scalars not packed); fields are written in field-number
order, as protobuf's own serializer does, so the bytes are the ones `onnx.helper` produced for the same graph
(tests/moderation/classifiers/test_onnx_format.py checks that, and that onnx's checker accepts them, where onnx is installed).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

# TensorProto.DataType
FLOAT = 1
INT64 = 7
_DTYPES = {np.dtype(np.float32): FLOAT, np.dtype(np.int64): INT64}
# AttributeProto.AttributeType
_ATTR_FLOAT, _ATTR_INT, _ATTR_INTS = 1, 2, 7
EXTERNAL = 1  # TensorProto.DataLocation


def _varint(value: int) -> bytes:
    value &= 0xFFFFFFFFFFFFFFFF  # int64 fields: negative values as ten-byte two's complement, as protobuf does
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(number: int, wire: int) -> bytes:
    return _varint(number << 3 | wire)


def _int(number: int, value: int) -> bytes:
    return _key(number, 0) + _varint(int(value))


def _bytes(number: int, value: bytes) -> bytes:
    return _key(number, 2) + _varint(len(value)) + value


def _str(number: int, value: str) -> bytes:
    return _bytes(number, value.encode("utf-8"))


def _float(number: int, value: float) -> bytes:
    return _key(number, 5) + struct.pack("<f", value)


def _attribute(name: str, value) -> bytes:
    if isinstance(value, bool) or isinstance(value, (int, np.integer)):
        return _str(1, name) + _int(3, value) + _int(20, _ATTR_INT)
    if isinstance(value, (float, np.floating)):
        return _str(1, name) + _float(2, float(value)) + _int(20, _ATTR_FLOAT)
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, np.integer)) for v in value):
        return _str(1, name) + b"".join(_int(8, v) for v in value) + _int(20, _ATTR_INTS)
    raise TypeError(f"attribute {name}: unsupported value {value!r}")


@dataclass
class Node:
    op_type: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict = field(default_factory=dict)

    def serialize(self) -> bytes:
        out = b"".join(_str(1, i) for i in self.inputs) + b"".join(_str(2, o) for o in self.outputs)
        out += _str(4, self.op_type)
        # Sorted by name, as onnx.helper.make_node does.
        return out + b"".join(_bytes(5, _attribute(k, v)) for k, v in sorted(self.attrs.items()) if v is not None)


def constant(name: str, array: np.ndarray) -> bytes:
    """A TensorProto holding `array`'s bytes (little-endian), as onnx.numpy_helper.from_array writes it."""
    array = np.asarray(array)
    dtype = _DTYPES[array.dtype]
    raw = np.ascontiguousarray(array, array.dtype.newbyteorder("<")).tobytes()
    return b"".join(_int(1, d) for d in array.shape) + _int(2, dtype) + _str(8, name) + _bytes(9, raw)


def external(name: str, array: np.ndarray, location: str) -> bytes:
    """A float TensorProto whose data is external: shape and type only; the caller hands the runtime the bytes."""
    entries = (("location", location), ("offset", "0"), ("length", str(array.nbytes)))
    return (b"".join(_int(1, d) for d in array.shape) + _int(2, FLOAT) + _str(8, name)
            + b"".join(_bytes(13, _str(1, k) + _str(2, v)) for k, v in entries) + _int(14, EXTERNAL))


@dataclass
class ValueInfo:
    """A typed graph input or output: elem_type, and a shape of fixed (int) or named (str) dimensions."""

    name: str
    elem_type: int
    shape: list

    def serialize(self) -> bytes:
        dims = b"".join(_bytes(1, _int(1, d) if isinstance(d, int) else _str(2, d)) for d in self.shape)
        tensor = _int(1, self.elem_type) + _bytes(2, dims)
        return _str(1, self.name) + _bytes(2, _bytes(1, tensor))


@dataclass
class Model:
    name: str
    nodes: list[Node]
    initializers: list[bytes]  # serialized TensorProtos (constant() / external())
    inputs: list[ValueInfo]
    outputs: list[ValueInfo]
    opset: int
    ir_version: int = 8
    producer_name: str = "haven"

    def rename(self, renames: dict[str, str]) -> None:
        """Give values stable names (node inputs and outputs, graph outputs)."""
        for node in self.nodes:
            node.inputs = [renames.get(i, i) for i in node.inputs]
            node.outputs = [renames.get(o, o) for o in node.outputs]
        for out in self.outputs:
            out.name = renames.get(out.name, out.name)

    @property
    def output_names(self) -> list[str]:
        return [o.name for o in self.outputs]

    def serialize(self) -> bytes:
        graph = (b"".join(_bytes(1, n.serialize()) for n in self.nodes) + _str(2, self.name)
                 + b"".join(_bytes(5, t) for t in self.initializers)
                 + b"".join(_bytes(11, v.serialize()) for v in self.inputs)
                 + b"".join(_bytes(12, v.serialize()) for v in self.outputs))
        opset = _str(1, "") + _int(2, self.opset)  # the default domain, written as onnx.helper.make_opsetid does
        return (_int(1, self.ir_version) + _str(2, self.producer_name) + _bytes(7, graph) + _bytes(8, opset))
