"""The hand-written ONNX protobuf (moderation/classifiers/onnx_format.py) against the `onnx` package, where the
test environment has it (requirements-dev.txt; serving does not install it): same bytes, and a valid model."""
import numpy as np
import pytest

from moderation.classifiers import onnx_format as fmt


def _graph(builder: str):
    """A small graph using every kind of message, attribute and dimension the real graphs use."""
    weight = np.arange(12, dtype=np.float32).reshape(3, 4)
    if builder == "haven":
        nodes = [fmt.Node("Gemm", ["x", "w", "b"], ["y"], {"transB": 1}),
                 fmt.Node("LayerNormalization", ["y", "g", "beta"], ["z"], {"axis": -1, "epsilon": 1e-12}),
                 fmt.Node("Transpose", ["z"], ["out"], {"perm": [1, 0]})]
        tensors = [fmt.constant("b", np.array([0.5, -1.0, 2.0], np.float32)),
                   fmt.constant("shape", np.array([-1, 4], np.int64)),
                   fmt.constant("scalar", np.array(0.25, np.float32)),
                   fmt.external("w", weight, "haven-numpy-weights")]
        model = fmt.Model("t_graph", nodes, tensors, [fmt.ValueInfo("x", fmt.FLOAT, ["n", 4]),
                                                      fmt.ValueInfo("m", fmt.INT64, ["n", "t"])],
                          [fmt.ValueInfo("out", fmt.FLOAT, [3, "n"])], opset=17)
        model.rename({"out": "result"})
        return model.serialize()
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["y"], transB=1),
             helper.make_node("LayerNormalization", ["y", "g", "beta"], ["z"], axis=-1, epsilon=1e-12),
             helper.make_node("Transpose", ["z"], ["result"], perm=[1, 0])]
    inits = [numpy_helper.from_array(np.array([0.5, -1.0, 2.0], np.float32), "b"),
             numpy_helper.from_array(np.array([-1, 4], np.int64), "shape"),
             numpy_helper.from_array(np.array(0.25, np.float32), "scalar")]
    graph = helper.make_graph(nodes, "t_graph", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4]),
                                                 helper.make_tensor_value_info("m", TensorProto.INT64, ["n", "t"])],
                              [helper.make_tensor_value_info("result", TensorProto.FLOAT, [3, "n"])],
                              initializer=inits)
    tensor = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[3, 4], data_location=TensorProto.EXTERNAL)
    for key, value in (("location", "haven-numpy-weights"), ("offset", "0"), ("length", str(weight.nbytes))):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    graph.initializer.append(tensor)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="haven")
    model.ir_version = 8
    return model.SerializeToString()


def test_bytes_match_onnx_helper():
    assert _graph("haven") == _graph("onnx")


def test_model_parses_and_reads_back():
    onnx = pytest.importorskip("onnx")
    model = onnx.ModelProto.FromString(_graph("haven"))
    assert [n.op_type for n in model.graph.node] == ["Gemm", "LayerNormalization", "Transpose"]
    assert model.graph.node[1].attribute[0].i == -1 and model.graph.node[2].attribute[0].ints == [1, 0]
    assert abs(model.graph.node[1].attribute[1].f - 1e-12) < 1e-18
    assert onnx.numpy_helper.to_array(model.graph.initializer[1]).tolist() == [-1, 4]
    assert [d.dim_param or d.dim_value for d in model.graph.output[0].type.tensor_type.shape.dim] == [3, "n"]
    assert model.graph.output[0].name == "result" and model.opset_import[0].version == 17


def test_unsupported_attribute_is_refused():
    with pytest.raises(TypeError):
        fmt.Node("Cast", ["x"], ["y"], {"to": "float"}).serialize()
