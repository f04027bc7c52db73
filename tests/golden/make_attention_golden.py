#!/usr/bin/python3
"""Generate attention.json: PyTorch 1.13 reference values for Nabla's attention and Transformer layers.

Run:  /usr/bin/python3 tests/golden/make_attention_golden.py   (PyTorch 1.13, CPU)
Deterministic: each case seeds torch with crc32(case name); values are float64 written with repr.

attention.json
  {"dtype": "float64", "cases": [case, ...]}
  case = {
    "name":   unique,
    "kind":   "sdpa" | "mha" | "encoder_layer" | "decoder_layer" | "encoder" | "transformer"
              | "positional_encoding",
    "config": constructor and call settings (see each builder below; PyTorch's names),
    "state":  {state dict key: tensor}  (the module's parameters after a random perturbation),
    "inputs": {argument name: tensor}; float inputs carry "grad": true; masks are
              {"dtype": "int64"} 0/1 tensors (PyTorch bool) or float tensors with "grad": false,
    "output": tensor, "weights": tensor or null (MultiheadAttention's attention weights),
    "grad_output": tensor (the gradient backpropagated from "output"),
    "grads":  {input name or state key: d(output . grad_output) / d(that tensor)}}
  tensor = {"shape": [...], "data": [flat row-major]} (+ "dtype": "int64", "grad": bool on inputs)
  Dropout is 0 and every module is in training mode (PyTorch 1.13's fast inference path is not taken).
  Bool masks keep PyTorch's meaning per API: in "sdpa" true = may attend (PyTorch 2.x's
  scaled_dot_product_attention, which 1.13 lacks, so it is computed here by its definition); in every
  layer true = may NOT attend (nn.MultiheadAttention). No row is fully masked.
  Mask config values "square_subsequent" mean nn.Transformer.generate_square_subsequent_mask(size),
  a float mask with -inf above the diagonal, made on the Nabla side by Transformer.GenerateSquareSubsequentMask.
  "sdpa" cases with "key_transposed": true store the key as (..., E, S); the op receives key.transpose(-2, -1).
"""
import json
import math
import os
import zlib

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
D = torch.float64


def t2j(t, grad=None):
    t = t.detach()
    j = {"shape": list(t.shape)}
    if t.dtype == torch.bool or t.dtype == torch.int64:
        j["data"] = t.to(torch.int64).reshape(-1).tolist()
        j["dtype"] = "int64"
    else:
        j["data"] = t.reshape(-1).tolist()
    if grad is not None:
        j["grad"] = grad
    return j


def seed(name):
    torch.manual_seed(zlib.crc32(name.encode()))


def randn(*shape):
    return torch.randn(*shape, dtype=D)


def perturb(module):
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.1 * torch.randn_like(p))


def padding_mask(n, s, pads):
    """(n, s) bool, True on the last pads[b] positions of row b."""
    m = torch.zeros(n, s, dtype=torch.bool)
    for b, k in enumerate(pads):
        if k:
            m[b, s - k:] = True
    return m


def finish(name, kind, config, module, inputs, out, weights=None):
    """inputs: list of (name, tensor, requires_grad)."""
    go = randn(*out.shape)
    named = [(n, t) for n, t, g in inputs if g]
    params = list(module.named_parameters()) if module is not None else []
    wrt = [t for _, t in named] + [p for _, p in params]
    gs = torch.autograd.grad(out, wrt, go)
    grads = {n: t2j(g) for (n, _), g in zip(named + params, gs)}
    state = {k: t2j(v) for k, v in module.state_dict().items()} if module is not None else {}
    return {"name": name, "kind": kind, "config": config, "state": state,
            "inputs": {n: t2j(t, g if t.is_floating_point() else False) for n, t, g in inputs},
            "output": t2j(out), "weights": None if weights is None else t2j(weights),
            "grad_output": t2j(go), "grads": grads}


# --------------------------------------------------------------------------
# scaled_dot_product_attention by its PyTorch 2.x definition
# --------------------------------------------------------------------------

def sdpa(q, k, v, attn_mask=None, is_causal=False, scale=None):
    L, S = q.size(-2), k.size(-2)
    scale = 1 / math.sqrt(q.size(-1)) if scale is None else scale
    s = q @ k.transpose(-2, -1) * scale
    if is_causal:
        s = s.masked_fill(~torch.ones(L, S, dtype=torch.bool).tril(), float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            s = s.masked_fill(~attn_mask, float("-inf"))
        else:
            s = s + attn_mask
    return torch.softmax(s, -1) @ v


def sdpa_case(name, qs, ks, vs, mask=None, is_causal=False, scale=None, key_transposed=False):
    seed(name)
    q, k, v = randn(*qs).requires_grad_(), randn(*ks).requires_grad_(), randn(*vs).requires_grad_()
    inputs = [("query", q, True), ("key", k, True), ("value", v, True)]
    if mask == "bool":
        m = torch.rand(qs[-2], ks[-2 if not key_transposed else -1]) < 0.6
        m[:, 0] = True
        inputs.append(("attn_mask", m, False))
    elif mask == "bool_batched":
        m = torch.rand(*qs[:-2], qs[-2], ks[-2]) < 0.6
        m[..., 0] = True
        inputs.append(("attn_mask", m, False))
    elif mask == "float":
        m = randn(qs[-2], ks[-2 if not key_transposed else -1])
        inputs.append(("attn_mask", m, False))
    key = k.transpose(-2, -1) if key_transposed else k
    out = sdpa(q, key, v, inputs[3][1] if mask else None, is_causal, scale)
    config = {"is_causal": is_causal, "scale": scale, "key_transposed": key_transposed}
    return finish(name, "sdpa", config, None, inputs, out)


# --------------------------------------------------------------------------
# layers
# --------------------------------------------------------------------------

def layout(x_seq_first, batch_first):
    return x_seq_first.transpose(0, 1).contiguous() if batch_first else x_seq_first


def mha_case(name, E=8, H=2, L=5, S=6, N=3, batch_first=False, self_attn=False, kv_same=False, kdim=None, vdim=None,
             kpm=None, attn_mask=None, need_weights=True, average=True, bias=True, unbatched=False):
    seed(name)
    m = nn.MultiheadAttention(E, H, bias=bias, kdim=kdim, vdim=vdim, batch_first=batch_first, dtype=D)
    perturb(m)
    if self_attn:
        S = L
    shape = (lambda s, e: (s, e)) if unbatched else (lambda s, e: (N, s, e) if batch_first else (s, N, e))
    q = randn(*shape(L, E)).requires_grad_()
    inputs = [("query", q, True)]
    if self_attn:
        k = v = q
    else:
        k = randn(*shape(S, kdim or E)).requires_grad_()
        inputs.append(("key", k, True))
        if kv_same:
            v = k
        else:
            v = randn(*shape(S, vdim or E)).requires_grad_()
            inputs.append(("value", v, True))
    kp = am = None
    if kpm == "bool":
        kp = padding_mask(N, S, [0, 2, 1][:N])
        if unbatched:
            kp = kp[1]
    elif kpm == "float":
        kp = randn(*((S,) if unbatched else (N, S)))
    if kp is not None:
        inputs.append(("key_padding_mask", kp, False))
    if attn_mask == "bool":
        am = torch.rand(L, S) < 0.4
        am[:, 0] = False
    elif attn_mask == "bool3d":
        am = torch.rand(N * H if not unbatched else H, L, S) < 0.4
        am[..., 0] = False
    elif attn_mask == "float":
        am = randn(L, S)
    elif attn_mask == "square_subsequent":
        am = nn.Transformer.generate_square_subsequent_mask(L).to(D)
    if am is not None and attn_mask != "square_subsequent":
        inputs.append(("attn_mask", am, False))
    out, w = m(q, k, v, key_padding_mask=kp, need_weights=need_weights, attn_mask=am, average_attn_weights=average)
    config = {"embed_dim": E, "num_heads": H, "bias": bias, "kdim": kdim, "vdim": vdim, "batch_first": batch_first,
              "self_attention": self_attn, "kv_same": kv_same, "need_weights": need_weights,
              "average_attn_weights": average, "attn_mask": "square_subsequent" if attn_mask == "square_subsequent" else None}
    return finish(name, "mha", config, m, inputs, out, w if need_weights else None)


def layer_config(d_model, nhead, ff, activation, batch_first, norm_first, eps=1e-5):
    return {"d_model": d_model, "nhead": nhead, "dim_feedforward": ff, "activation": activation,
            "batch_first": batch_first, "norm_first": norm_first, "layer_norm_eps": eps}


def encoder_layer(cfg):
    return nn.TransformerEncoderLayer(cfg["d_model"], cfg["nhead"], cfg["dim_feedforward"], 0.0, cfg["activation"],
                                      cfg["layer_norm_eps"], cfg["batch_first"], cfg["norm_first"], dtype=D)


def decoder_layer(cfg):
    return nn.TransformerDecoderLayer(cfg["d_model"], cfg["nhead"], cfg["dim_feedforward"], 0.0, cfg["activation"],
                                      cfg["layer_norm_eps"], cfg["batch_first"], cfg["norm_first"], dtype=D)


def seq(S, N, E, batch_first):
    return randn(*((N, S, E) if batch_first else (S, N, E))).requires_grad_()


def encoder_case(name, kind, cfg, S=5, N=3, mask=None, kpm=False, num_layers=2, norm=False):
    seed(name)
    if kind == "encoder_layer":
        m = encoder_layer(cfg)
    else:
        m = nn.TransformerEncoder(encoder_layer(cfg), num_layers, nn.LayerNorm(cfg["d_model"], dtype=D) if norm else None,
                                  enable_nested_tensor=False)
    perturb(m)
    src = seq(S, N, cfg["d_model"], cfg["batch_first"])
    inputs = [("src", src, True)]
    sm = kp = None
    if mask == "bool":
        sm = torch.rand(S, S) < 0.4
        sm[:, 0] = False
        inputs.append(("src_mask", sm, False))
    elif mask == "square_subsequent":
        sm = nn.Transformer.generate_square_subsequent_mask(S).to(D)
    if kpm:
        kp = padding_mask(N, S, [0, 2, 1][:N])
        inputs.append(("src_key_padding_mask", kp, False))
    if kind == "encoder_layer":
        out = m(src, src_mask=sm, src_key_padding_mask=kp)
    else:
        out = m(src, mask=sm, src_key_padding_mask=kp)
    config = dict(cfg, src_mask="square_subsequent" if mask == "square_subsequent" else None, num_layers=num_layers, norm=norm)
    return finish(name, kind, config, m, inputs, out)


def decoder_case(name, cfg, T=4, S=5, N=2, tgt_mask=None, memory_kpm=False, tgt_kpm=False):
    seed(name)
    m = decoder_layer(cfg)
    perturb(m)
    E, bf = cfg["d_model"], cfg["batch_first"]
    tgt, memory = seq(T, N, E, bf), seq(S, N, E, bf)
    inputs = [("tgt", tgt, True), ("memory", memory, True)]
    tm = None
    if tgt_mask == "square_subsequent":
        tm = nn.Transformer.generate_square_subsequent_mask(T).to(D)
    mk = padding_mask(N, S, [1, 2][:N]) if memory_kpm else None
    tk = padding_mask(N, T, [0, 1][:N]) if tgt_kpm else None
    if mk is not None:
        inputs.append(("memory_key_padding_mask", mk, False))
    if tk is not None:
        inputs.append(("tgt_key_padding_mask", tk, False))
    out = m(tgt, memory, tgt_mask=tm, tgt_key_padding_mask=tk, memory_key_padding_mask=mk)
    config = dict(cfg, tgt_mask=tgt_mask)
    return finish(name, "decoder_layer", config, m, inputs, out)


def transformer_case(name, cfg, S=5, T=4, N=2):
    seed(name)
    m = nn.Transformer(cfg["d_model"], cfg["nhead"], 2, 2, cfg["dim_feedforward"], 0.0, cfg["activation"],
                       layer_norm_eps=cfg["layer_norm_eps"], batch_first=cfg["batch_first"], norm_first=cfg["norm_first"], dtype=D)
    perturb(m)
    E, bf = cfg["d_model"], cfg["batch_first"]
    src, tgt = seq(S, N, E, bf), seq(T, N, E, bf)
    kp = padding_mask(N, S, [0, 1][:N])
    tm = nn.Transformer.generate_square_subsequent_mask(T).to(D)
    out = m(src, tgt, tgt_mask=tm, src_key_padding_mask=kp, memory_key_padding_mask=kp)
    inputs = [("src", src, True), ("tgt", tgt, True), ("src_key_padding_mask", kp, False)]
    config = dict(cfg, num_encoder_layers=2, num_decoder_layers=2, tgt_mask="square_subsequent", memory_key_padding_mask="src_key_padding_mask")
    return finish(name, "transformer", config, m, inputs, out)


class PositionalEncoding(nn.Module):
    """pytorch/examples word_language_model/model.py, in float64."""

    def __init__(self, d_model, dropout=0.1, max_len=5000):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        pe = torch.zeros(max_len, d_model, dtype=D)
        position = torch.arange(0, max_len, dtype=D).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2, dtype=D) * (-math.log(10000.0) / d_model))
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        pe = pe.unsqueeze(0).transpose(0, 1)
        self.register_buffer('pe', pe)

    def forward(self, x):
        x = x + self.pe[:x.size(0), :]
        return self.dropout(x)


def positional_case(name, d_model=8, max_len=50, S=7, N=2):
    seed(name)
    m = PositionalEncoding(d_model, 0.0, max_len)
    x = randn(S, N, d_model).requires_grad_()
    out = m(x)
    return finish(name, "positional_encoding", {"d_model": d_model, "max_len": max_len}, m, [("input", x, True)], out)


def cases():
    cs = [
        sdpa_case("sdpa_plain", (2, 5, 4), (2, 6, 4), (2, 6, 3)),
        sdpa_case("sdpa_causal", (2, 3, 5, 4), (2, 3, 5, 4), (2, 3, 5, 4), is_causal=True),
        sdpa_case("sdpa_causal_rectangular", (2, 4, 4), (2, 6, 4), (2, 6, 3), is_causal=True),
        sdpa_case("sdpa_bool_mask_broadcast", (2, 5, 4), (2, 6, 4), (2, 6, 3), mask="bool"),
        sdpa_case("sdpa_bool_mask_batched", (2, 5, 4), (2, 6, 4), (2, 6, 3), mask="bool_batched"),
        sdpa_case("sdpa_float_mask_scale", (3, 5, 4), (3, 6, 4), (3, 6, 2), mask="float", scale=0.3),
        sdpa_case("sdpa_broadcast_batch", (2, 1, 5, 4), (1, 3, 6, 4), (1, 3, 6, 4)),
        sdpa_case("sdpa_key_transposed", (2, 5, 4), (2, 4, 6), (2, 6, 3), key_transposed=True),
        mha_case("mha_self", self_attn=True),
        mha_case("mha_self_batch_first_causal", self_attn=True, batch_first=True, attn_mask="square_subsequent"),
        mha_case("mha_cross_kpm_bool_mask", kpm="bool", attn_mask="bool"),
        mha_case("mha_cross_batch_first_3d_mask_per_head", batch_first=True, attn_mask="bool3d", average=False),
        mha_case("mha_kv_same_float_kpm", kv_same=True, kpm="float"),
        mha_case("mha_float_mask_bool_kpm", kpm="bool", attn_mask="float"),
        mha_case("mha_kdim_vdim", kdim=5, vdim=3, kpm="bool"),
        mha_case("mha_no_bias_no_weights", bias=False, need_weights=False, self_attn=True),
        mha_case("mha_unbatched", unbatched=True, kpm="bool", attn_mask="bool3d", average=False),
    ]
    post = layer_config(8, 2, 16, "relu", False, False)
    pre_gelu_bf = layer_config(8, 2, 16, "gelu", True, True)
    cs += [
        encoder_case("encoder_layer_post_relu", "encoder_layer", post),
        encoder_case("encoder_layer_post_causal_kpm", "encoder_layer", post, mask="square_subsequent", kpm=True),
        encoder_case("encoder_layer_pre_gelu_batch_first_bool_mask", "encoder_layer", pre_gelu_bf, mask="bool", kpm=True),
        encoder_case("encoder_layer_post_batch_first_eps", "encoder_layer", layer_config(8, 4, 12, "relu", True, False, 1e-3)),
        encoder_case("encoder_two_layers_norm_causal", "encoder", post, mask="square_subsequent", norm=True),
        encoder_case("encoder_two_layers_pre_gelu_kpm", "encoder", pre_gelu_bf, kpm=True),
        decoder_case("decoder_layer_post_causal_memory_kpm", post, tgt_mask="square_subsequent", memory_kpm=True),
        decoder_case("decoder_layer_pre_gelu_batch_first_tgt_kpm", pre_gelu_bf, tgt_kpm=True, memory_kpm=True),
        transformer_case("transformer_post_relu", post),
        transformer_case("transformer_pre_gelu_batch_first", pre_gelu_bf),
        positional_case("positional_encoding_example"),
    ]
    return cs


def main():
    torch.set_num_threads(1)
    cs = cases()
    for c in cs:
        for key in ("output", "weights"):
            if c[key] is not None:
                assert all(math.isfinite(v) for v in c[key]["data"]), c["name"]
    body = ",\n".join(json.dumps(c, separators=(",", ":")) for c in cs)
    path = os.path.join(HERE, "attention.json")
    with open(path, "w") as f:
        f.write('{"dtype": "float64", "cases": [\n' + body + "\n]}\n")
    print(f"{len(cs)} cases, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
