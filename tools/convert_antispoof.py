"""One-time conversion of the Silent-Face-Anti-Spoofing weights to ONNX (a developer runs this;
the product never does: at run time only the committed .onnx files and onnxruntime are used).

    python3 -m venv /tmp/torchvenv
    /tmp/torchvenv/bin/pip install torch==2.13.0 onnx onnxruntime==1.31.1 numpy pillow scikit-image
    /tmp/torchvenv/bin/python tools/convert_antispoof.py \
        --weights ../shared/models/silent-face-anti-spoofing --out liveness/engine/models

What it does, and how the port is verified:

1. Builds the product's own MiniFASNet network (below) for each state dict. The architecture is
   read off the state dict: every key names a layer (``conv1``, ``conv2_dw``, ``conv_23`` ...,
   ``conv_6_dw``, ``linear``, ``bn``, ``prob``) and every tensor shape gives that layer's widths
   and kernel; strides follow from the 80x80 input reaching the 5x5 depthwise ``conv_6_dw``
   (80 -> 40 by ``conv1``, then /2 at each of ``conv_23``, ``conv_34``, ``conv_45``). The state
   dict is loaded with ``strict=True``, so a missing or unused tensor fails the conversion.
2. Runs three independent forward passes on the same crops: the torch module, a plain-numpy
   re-implementation written from the same key/shape reading (no torch ops), and the exported
   ONNX graph under onnxruntime; prints the max abs difference of the logits. The crops are real
   photographs (scikit-image's astronaut at both model scales, and lfw_subset faces) plus random
   inputs.
3. Exports with ``torch.onnx.export(dynamo=False, opset_version=13)``: input ``input``
   (N, 3, 80, 80) float32, BGR, 0-255 (not normalised, the publisher's convention); output
   ``logits`` (N, 3); class 1 = real face.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re

import numpy as np
import torch
from torch import nn

MODELS = {
    # file name -> (onnx name, crop scale of the face box, squeeze-excitation in the last block
    # of each residual stage)
    "2.7_80x80_MiniFASNetV2.pth": ("minifasnet_v2_2.7.onnx", 2.7, False),
    "4_0_0_80x80_MiniFASNetV1SE.pth": ("minifasnet_v1se_4.0.onnx", 4.0, True),
}


# ------------------------------------------------------------------ the network (torch) ----

class ConvBlock(nn.Module):
    """conv (no bias) -> batch norm -> optional PReLU; keys ``conv``, ``bn``, ``prelu``."""

    def __init__(self, cin: int, cout: int, k: int, stride: int, pad: int, groups: int, act: bool):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, pad, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.prelu = nn.PReLU(cout) if act else None

    def forward(self, x):
        x = self.bn(self.conv(x))
        return self.prelu(x) if self.prelu is not None else x


class SE(nn.Module):
    """Squeeze-excitation: global mean -> 1x1 conv ``fc1`` -> ``bn1`` -> ReLU -> 1x1 conv ``fc2``
    -> ``bn2`` -> sigmoid, multiplied into the input."""

    def __init__(self, c: int, r: int):
        super().__init__()
        self.fc1 = nn.Conv2d(c, r, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(r)
        self.fc2 = nn.Conv2d(r, c, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        g = x.mean(dim=(2, 3), keepdim=True)
        g = torch.relu(self.bn1(self.fc1(g)))
        g = torch.sigmoid(self.bn2(self.fc2(g)))
        return x * g


class DepthWise(nn.Module):
    """Inverted bottleneck: 1x1 expand (``conv``) -> 3x3 depthwise (``conv_dw``) -> 1x1 linear
    projection (``project``) -> optional SE (``se_module``); residual when it keeps the size."""

    def __init__(self, cin: int, mid: int, cout: int, stride: int, residual: bool, se: int | None):
        super().__init__()
        self.conv = ConvBlock(cin, mid, 1, 1, 0, 1, True)
        self.conv_dw = ConvBlock(mid, mid, 3, stride, 1, mid, True)
        self.project = ConvBlock(mid, cout, 1, 1, 0, 1, False)
        self.se_module = SE(cout, se) if se else None
        self.residual = residual

    def forward(self, x):
        y = self.project(self.conv_dw(self.conv(x)))
        if self.se_module is not None:
            y = self.se_module(y)
        return x + y if self.residual else y


class Stage(nn.Module):
    """A stack of residual DepthWise blocks (keys ``model.<i>``)."""

    def __init__(self, blocks: list[DepthWise]):
        super().__init__()
        self.model = nn.Sequential(*blocks)

    def forward(self, x):
        return self.model(x)


def _shape(sd: dict, key: str) -> tuple[int, ...]:
    return tuple(sd[key].shape)


def _depthwise(sd: dict, prefix: str, stride: int, residual: bool) -> DepthWise:
    mid, cin = _shape(sd, f"{prefix}.conv.conv.weight")[:2]
    cout = _shape(sd, f"{prefix}.project.conv.weight")[0]
    se = _shape(sd, f"{prefix}.se_module.fc1.weight")[0] if f"{prefix}.se_module.fc1.weight" in sd else None
    return DepthWise(cin, mid, cout, stride, residual, se)


def _stage(sd: dict, name: str) -> Stage:
    n = 1 + max(int(m.group(1)) for k in sd if (m := re.match(rf"{name}\.model\.(\d+)\.", k)))
    return Stage([_depthwise(sd, f"{name}.model.{i}", 1, True) for i in range(n)])


class MiniFASNet(nn.Module):
    """MiniFASNetV2 / V1SE for 80x80 crops: stem, three down-sampling bottlenecks with residual
    stages between them, a 1x1 conv to 512, a 5x5 depthwise "global" conv, a 512->128 linear
    embedding with batch norm, and a 128->3 classifier (no biases)."""

    def __init__(self, sd: dict):
        super().__init__()
        c1 = _shape(sd, "conv1.conv.weight")[0]
        self.conv1 = ConvBlock(3, c1, 3, 2, 1, 1, True)
        self.conv2_dw = ConvBlock(c1, c1, 3, 1, 1, c1, True)
        self.conv_23 = _depthwise(sd, "conv_23", 2, False)
        self.conv_3 = _stage(sd, "conv_3")
        self.conv_34 = _depthwise(sd, "conv_34", 2, False)
        self.conv_4 = _stage(sd, "conv_4")
        self.conv_45 = _depthwise(sd, "conv_45", 2, False)
        self.conv_5 = _stage(sd, "conv_5")
        c6, c5 = _shape(sd, "conv_6_sep.conv.weight")[:2]
        self.conv_6_sep = ConvBlock(c5, c6, 1, 1, 0, 1, True)
        k = _shape(sd, "conv_6_dw.conv.weight")[-1]
        self.conv_6_dw = ConvBlock(c6, c6, k, 1, 0, c6, False)
        emb = _shape(sd, "linear.weight")[0]
        self.linear = nn.Linear(c6, emb, bias=False)
        self.bn = nn.BatchNorm1d(emb)
        self.prob = nn.Linear(emb, _shape(sd, "prob.weight")[0], bias=False)

    def forward(self, x):
        for layer in (self.conv1, self.conv2_dw, self.conv_23, self.conv_3, self.conv_34, self.conv_4,
                      self.conv_45, self.conv_5, self.conv_6_sep, self.conv_6_dw):
            x = layer(x)
        x = torch.flatten(x, 1)
        return self.prob(self.bn(self.linear(x)))


def load_state(path: str) -> dict:
    sd = torch.load(path, map_location="cpu", weights_only=True)
    return {k.removeprefix("module."): v for k, v in sd.items()}


# ------------------------------------------------------------ independent numpy forward ----

def _np_bn(sd, p, x, eps=1e-5):
    g, b, m, v = (sd[f"{p}.{n}"] for n in ("weight", "bias", "running_mean", "running_var"))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return (x - m.reshape(shape)) / np.sqrt(v.reshape(shape) + eps) * g.reshape(shape) + b.reshape(shape)


def _np_conv(x, w, stride, pad, groups):
    n, _cin, h, wd = x.shape
    cout, cpg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    out = np.zeros((n, cout, oh, ow), np.float64)
    opg = cout // groups
    for g in range(groups):
        xs = xp[:, g * cpg:(g + 1) * cpg]
        ws = w[g * opg:(g + 1) * opg]
        for i in range(kh):
            for j in range(kw):
                patch = xs[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
                out[:, g * opg:(g + 1) * opg] += np.einsum("nchw,oc->nohw", patch, ws[:, :, i, j])
    return out


def _np_block(sd, p, x, stride, pad, act):
    w = sd[f"{p}.conv.weight"]
    groups = x.shape[1] // w.shape[1]
    y = _np_bn(sd, f"{p}.bn", _np_conv(x, w, stride, pad, groups))
    if act:
        a = sd[f"{p}.prelu.weight"].reshape(1, -1, 1, 1)
        y = np.where(y > 0, y, a * y)
    return y


def _np_dw(sd, p, x, stride, residual):
    y = _np_block(sd, f"{p}.conv", x, 1, 0, True)
    y = _np_block(sd, f"{p}.conv_dw", y, stride, 1, True)
    y = _np_block(sd, f"{p}.project", y, 1, 0, False)
    if f"{p}.se_module.fc1.weight" in sd:
        g = y.mean(axis=(2, 3), keepdims=True)
        g = np.maximum(_np_bn(sd, f"{p}.se_module.bn1", _np_conv(g, sd[f"{p}.se_module.fc1.weight"], 1, 0, 1)), 0)
        g = _np_bn(sd, f"{p}.se_module.bn2", _np_conv(g, sd[f"{p}.se_module.fc2.weight"], 1, 0, 1))
        y = y / (1 + np.exp(-g))
    return x + y if residual else y


def numpy_forward(sd: dict, x: np.ndarray) -> np.ndarray:
    """The same network in float64 numpy, straight from the state dict (used only to check the
    torch module and the ONNX export against an implementation that shares no code with them)."""
    x = x.astype(np.float64)
    x = _np_block(sd, "conv1", x, 2, 1, True)
    x = _np_block(sd, "conv2_dw", x, 1, 1, True)
    for down, stage in (("conv_23", "conv_3"), ("conv_34", "conv_4"), ("conv_45", "conv_5")):
        x = _np_dw(sd, down, x, 2, False)
        i = 0
        while f"{stage}.model.{i}.conv.conv.weight" in sd:
            x = _np_dw(sd, f"{stage}.model.{i}", x, 1, True)
            i += 1
    x = _np_block(sd, "conv_6_sep", x, 1, 0, True)
    x = _np_block(sd, "conv_6_dw", x, 1, 0, False)
    x = x.reshape(x.shape[0], -1) @ sd["linear.weight"].T
    x = _np_bn(sd, "bn", x)
    return x @ sd["prob.weight"].T


# ------------------------------------------------------------------------- test crops ----

def sample_crops(scale: float) -> np.ndarray:
    """BGR float crops (N, 3, 80, 80): the astronaut's face and 6 lfw_subset faces cut at
    ``scale`` times their box (the product's own cropping code), plus two random inputs."""
    import importlib.util

    from skimage import data

    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    spec = importlib.util.spec_from_file_location("antispoof", os.path.join(here, "liveness", "engine", "antispoof.py"))
    anti = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(anti)  # by path: the package's __init__ needs dlib, this venv does not

    def crop(rgb, ltrb):
        return anti.crop_for_model(rgb, ltrb, scale, retina_box=anti.retina_like_box(*ltrb))

    crops = [crop(np.ascontiguousarray(data.astronaut()), (179, 83, 266, 170))]
    for g in data.lfw_subset()[:6]:
        crops.append(crop(np.repeat((g * 255).astype(np.uint8)[..., None], 3, -1), (4, 4, 21, 21)))
    rng = np.random.default_rng(0)
    crops += [rng.uniform(0, 255, (3, 80, 80)).astype(np.float32) for _ in range(2)]
    return np.stack(crops).astype(np.float32)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    import onnxruntime as ort

    os.makedirs(args.out, exist_ok=True)
    for fname, (oname, scale, _se) in MODELS.items():
        sd = load_state(os.path.join(args.weights, fname))
        net = MiniFASNet(sd)
        net.load_state_dict(sd, strict=True)
        net.eval()
        x = sample_crops(scale)
        with torch.no_grad():
            ref = net(torch.from_numpy(x)).numpy()
        npsd = {k: v.numpy().astype(np.float64) for k, v in sd.items() if v.dtype.is_floating_point}
        npy = numpy_forward(npsd, x)
        path = os.path.join(args.out, oname)
        torch.onnx.export(net, (torch.from_numpy(x[:1]),), path, dynamo=False, opset_version=13,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "n"}, "logits": {0: "n"}})
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        onx = sess.run(None, {"input": x})[0]
        p = np.exp(ref - ref.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        with open(path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        print(f"{fname} -> {oname} ({os.path.getsize(path)} bytes, sha256 {digest})")
        print(f"  parameters {sum(t.numel() for t in net.parameters())}, crops {len(x)}")
        print(f"  max |torch - numpy| logits {np.abs(ref - npy).max():.2e}")
        print(f"  max |torch - onnxruntime| logits {np.abs(ref - onx).max():.2e}")
        print("  P(real) torch: " + " ".join(f"{v:.3f}" for v in p[:, 1])
              + "  (astronaut, 6 lfw faces, 2 random)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
