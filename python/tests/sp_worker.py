"""A rank of the sequence-parallel tests (test_parallel.py): joins a gloo
process group, cuts its sequence shard out of the full inputs (every rank
draws the same ones from the seed), runs UlyssesAttention and saves its
output shard for the parent to compare with one process's result."""
import os

import torch


def inputs(case, seed=0):
    """The full (unsharded) inputs of `case` and the backend's call options."""
    g = torch.Generator().manual_seed(seed)
    rnd = lambda *s: torch.randn(*s, generator=g)  # noqa: E731
    B, H, D = 1, 4, 16
    if case == "vsa":
        grid = (4, 8, 8)  # 16 tiles of 4x4x4
        S = 4 * 8 * 8
        return dict(q=rnd(B, H, S, D), k=rnd(B, H, S, D), v=rnd(B, H, S, D),
                    gate=rnd(B, H, S, D), grid=grid)
    if case == "sta":
        grid = (4, 4, 4)  # tile 2x2x2: a 2x2x2 tile grid
        S, L = 64, 8
        return dict(q=rnd(B, H, S, D), k=rnd(B, H, S, D), v=rnd(B, H, S, D),
                    text=(rnd(B, H, L, D), rnd(B, H, L, D), rnd(B, H, L, D)),
                    text_length=5, grid=grid, step=0, layer=0)
    S = 64
    return dict(q=rnd(B, H, S, D), k=rnd(B, H, S, D), v=rnd(B, H, S, D), grid=(4, 4, 4))


def backend(case, strategy_path=None):
    from attn_mlir import get_attention_backend
    if case == "vsa":
        return get_attention_backend("video_sparse_attn", {"sparsity": 0.5})
    if case == "sta":
        return get_attention_backend("sliding_tile_attn",
                                     {"mask_strategy_file_path": strategy_path},
                                     tile=(2, 2, 2))
    return get_attention_backend("torch_sdpa")


def run(rank, world, init_file, out_dir, case, strategy_path):
    import torch.distributed as dist
    from attn_mlir.parallel import UlyssesAttention
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank,
                            world_size=world)
    try:
        x = inputs(case)
        s = x["q"].shape[2] // world
        shard = lambda t: t[:, :, rank * s:(rank + 1) * s].contiguous()  # noqa: E731
        sp = UlyssesAttention(backend(case, strategy_path))
        out = sp(shard(x["q"]), shard(x["k"]), shard(x["v"]), grid=x["grid"],
                 gate=shard(x["gate"]) if "gate" in x else None, text=x.get("text"),
                 text_length=x.get("text_length", 0), step=x.get("step"),
                 layer=x.get("layer"))
        if isinstance(out, tuple):
            torch.save({"img": out[0], "text": out[1]}, os.path.join(out_dir, f"{rank}.pt"))
        else:
            torch.save({"img": out}, os.path.join(out_dir, f"{rank}.pt"))
    finally:
        dist.destroy_process_group()
