"""attn_mlir.viz: STA plan and VSA selection patterns against the NumPy
reference's masks (test/reference/attn_ref.py), the text picture, the PNG
(skipped without matplotlib)."""
import numpy as np
import pytest

from attn_mlir import viz

import attn_ref as ref


@pytest.mark.parametrize("grid,window", [((1, 1, 5), (1, 1, 3)), ((2, 3, 4), (1, 3, 3)),
                                         ((3, 2, 6), (5, 1, 2)), ((2, 2, 2), (1, 1, 1))])
def test_sta_pattern_is_the_reference_tile_mask(grid, window):
    want = ref.sta_tile_mask(grid, window)
    np.testing.assert_array_equal(viz.sta_pattern(grid, window), want)


def test_sta_window_shifts_at_the_edge_and_renders():
    m = viz.sta_pattern((1, 1, 5), (1, 1, 3))
    assert m[0].tolist() == [True, True, True, False, False]   # shifted, not cut
    assert m[2].tolist() == [False, True, True, True, False]
    text = viz.render(m, on="#", off=".")
    assert text.splitlines() == ["5x5 tiles, 15 of 25 blocks attended (density 60.00%)",
                                 "###..", "###..", ".###.", "..###", "..###"]
    with pytest.raises(ValueError, match="render takes a"):
        viz.render(np.zeros((1, 2, 3)))


def test_vsa_pattern_selects_exactly_topk_lowest_id_on_ties():
    rng = np.random.default_rng()
    q, k = rng.standard_normal((1, 2, 4 * 8, 4)), rng.standard_normal((1, 2, 4 * 8, 4))
    m = viz.vsa_pattern(q, k, 3, block=8)
    assert m.shape == (1, 2, 4, 4) and (m.sum(-1) == 3).all()
    qc, kc = ref.block_mean(q, 8), ref.block_mean(k, 8)
    idx, cnt = ref.block_topk(qc @ np.swapaxes(kc, -1, -2) / 2.0, 3)
    want = np.zeros_like(m)
    np.put_along_axis(want, idx.astype(np.int64), True, axis=-1)
    np.testing.assert_array_equal(m, want)
    tie = viz.vsa_pattern(np.ones((1, 1, 8, 2)), np.ones((1, 1, 32, 2)), 2, block=8)
    assert tie[0, 0, 0].tolist() == [True, True, False, False]


def test_png(tmp_path):
    pytest.importorskip("matplotlib")
    p = viz.save_png(viz.sta_pattern((2, 2, 2), (1, 1, 1)), str(tmp_path / "sta.png"))
    assert open(p, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
