"""Each lecture experiment at its quick size asserts its claim, in bands, on the numbers it measured.

The experiments run once, inside the `gradsight tour --quick` run that tour_cache shares with
test_tour.py; each test reads one experiment's claims (with raw values) from its results.json.
"""
from __future__ import annotations

import math

import pytest
from tour_cache import quick_tour

# one tour run per worker: keep both files on the same worker under `pytest -n ... --dist loadgroup`
pytestmark = pytest.mark.xdist_group("gradsight_tour")


@pytest.fixture(scope="module")
def claims():
    return quick_tour().claims


def test_e01_depth_without_nonlinearity_is_linear(claims):
    c = claims(1)
    assert c["deep_linear_is_linear"]["values"]["collapse_error"] < 1e-4
    linear = c["linear_fails"]["values"]
    # a linear net's boundary is one straight line: it cannot beat the best line (found exhaustively)
    assert max(linear["deep_linear"], linear["one_linear"]) <= linear["best_line"] + 0.005 < 0.8
    nonlinear = c["nonlinear_separates"]["values"]
    assert nonlinear["tanh"] >= 0.97 and nonlinear["relu"] >= 0.97


def test_e02_two_relus_make_a_step(claims):
    c = claims(2)
    assert c["flat_outside"]["values"]["flat_error"] == 0 and c["flat_outside"]["values"]["smallest_increment"] >= 0
    assert 0.15 < c["like_sigmoid"]["values"]["max_gap"] < 0.3  # 2 sigmoid(2) = 1.76 vs 2 at x = 1
    assert c["box_gradient"]["values"]["box_error"] == 0


def test_e03_sigmoid_gradients_vanish(claims):
    c = claims(3)
    sigmoid = c["sigmoid_shrinks"]["values"]
    assert 0.1 < sigmoid["factor"] < 0.4  # sigmoid' <= 0.25 per layer
    rms = sigmoid["rms"]
    assert all(a < b for a, b in zip(rms[:-1], rms[1:])), "gradient must grow monotonically toward the output"
    healthy = c["proper_init_keeps"]["values"]
    assert 0.5 < healthy["tanh"] < 2 and 0.5 < healthy["relu"] < 2
    flags = c["render_flags"]["values"]
    assert "0.weight" in flags["sigmoid"] and not flags["tanh"] and not flags["relu"]


def test_e04_sigmoid_is_not_zero_centred(claims):
    c = claims(4)
    assert c["same_sign"]["values"]["sigmoid"] == 1.0 and c["same_sign"]["values"]["tanh"] < 0.05
    path = c["zig_zag"]["values"]
    assert path["sigmoid_same_sign"] == 1.0 and 0.3 < path["tanh_same_sign"] < 0.7
    assert path["steps_ratio"] > 2  # measured 4.6x or more over seeds and kernels


def test_e05_dead_relus(claims):
    c = claims(5)
    kill = c["huge_step_kills"]["values"]
    assert kill["before"] < 0.1 and kill["after"] > 0.25  # mean of 4 nets; one net alone: 25-48% over seeds
    stay = c["stay_dead"]["values"]
    assert stay["revived"] == 0 and stay["final"] >= 0.9 * stay["after"] and stay["gradless"] >= 0.9 * stay["after"]
    remedy = c["leaky_elu_reduce"]["values"]
    assert remedy["gradless"]["leaky"] == 0 and remedy["gradless"]["elu"] < 0.5 * remedy["gradless"]["relu"]
    bias = c["positive_bias"]["values"]
    assert bias["init_biased"] < bias["init_default"]  # fewer silent at init...
    assert bias["after_biased"] > 0.8 * bias["after_default"] > 0.2  # ...but no shield against the huge step
    assert any(w.startswith("dead") and w != "dead 0%" for w in c["render_shows"]["values"]["words"])


def test_e06_symmetry_is_exact_but_unstable(claims):
    c = claims(6)
    rank = c["never_breaks"]["values"]
    assert rank["zeros"] < 1e-9 and rank["constant"] < 1e-9 and rank["random"] > 0.1  # float64: rank 1
    accuracy = c["one_unit_worth"]["values"]
    assert accuracy["random"] - max(accuracy["zeros"], accuracy["constant"]) > 0.5
    unstable = c["unstable"]["values"]
    assert unstable["growth"] > 100 and unstable["fit_r2"] > 0.9 and 30 < unstable["steps_per_tenfold"] < 300


def test_e07_init_and_activation_statistics(claims):
    c = claims(7)
    small = c["tanh_small"]["values"]
    assert 0.18 < small["ratio"] < 0.26 and 1e-8 < small["std"][-1] < 1e-6
    large = c["tanh_large"]["values"]
    assert min(large["std"]) > 0.95 and min(large["saturated"]) > 0.9
    xavier = c["tanh_xavier"]["values"]
    assert 0.58 < xavier["std"][0] < 0.68 and 0.15 < xavier["std"][-1] < 0.32 and max(xavier["saturated"]) < 0.05
    assert 0.4 < c["relu_xavier"]["values"]["ratio"] < 0.6
    he = c["relu_he"]["values"]["std"]
    assert 0.7 < he[0] < 0.95 and max(he) / he[0] < 1.5 and min(he) / he[0] > 1 / 1.5


def test_e08_he_trains_where_xavier_stalls(claims):
    c = claims(8)
    signal = c["xavier_signal_vanishes"]["values"]
    assert signal["xavier_ratio"] < 1e-3 and 0.2 < signal["he_ratio"] < 5  # geometric mean of 8 draws
    stall = c["xavier_stalls"]["values"]
    assert stall["he_escape"] is not None and stall["he_escape"] <= 200  # measured 49-90
    assert stall["xavier_escape"] is None  # quick: 400 steps, all at chance
    assert abs(stall["xavier_loss"] - math.log(10)) < 0.05 and stall["xavier_train"] < 0.2
    assert stall["he_train"] > 2 * stall["xavier_train"]


def test_e09_batch_norm(claims):
    c = claims(9)
    faster = c["bn_trains_faster"]["values"]
    assert faster["steps_with"] is not None and faster["steps_without"] is not None  # the baseline trains too
    assert faster["slower"] >= 3
    drift = c["bn_stable_inputs"]["values"]
    assert drift["drift_without"] > 2 * drift["drift_with"]
    sweep = c["bn_init_insensitive"]["values"]
    assert sweep["worst_with_bn"] > 0.85 and sweep["spread_without"] > 0.5 > sweep["spread_with"]


def test_e10_pretraining_rescues_depth(claims):
    c = claims(10)
    random = c["random_fails_with_depth"]["values"]["random"]
    assert random[0] < 0.1 and random[-1] > 0.5
    pretrained = c["pretrained_keeps_low_error"]["values"]
    assert max(pretrained["pretrained"]) < 0.5 and pretrained["deepest_pretrained"] < 0.5 * pretrained["deepest_random"]


def test_e11_relu_vs_tanh_on_a_small_cnn(claims):
    c = claims(11)
    relu_vs_tanh = c["relu_6x_faster"]["values"]
    # both networks reach 25% error; tanh at least as fast, far from the paper's 6x for ReLU
    assert relu_vs_tanh["relu_steps"] < 120 and relu_vs_tanh["tanh_steps"] < 120
    assert relu_vs_tanh["speedup"] < 0.9
    batch_norm = c["bn_cnn_fewer_steps"]["values"]
    assert batch_norm["speedup"] >= 1.25 and batch_norm["bn_steps"] < relu_vs_tanh["relu_steps"]


def test_e12_losses(claims):
    c = claims(12)
    assert c["hinge_satisfied"]["values"]["hinge_max"] == 0 and c["hinge_satisfied"]["values"]["ce_min_grad"] > 0
    push = c["ce_keeps_pushing"]["values"]
    assert 1 <= push["hinge_final_margin"] < 1.5
    assert push["ce_final_margin"] > push["ce_half_margin"] > push["hinge_final_margin"] and push["ce_final_grad"] > 0
    softmax = c["temperature"]["values"]
    assert softmax["beta_1"] == pytest.approx([0.475021, 0.524979], abs=1e-6)
    assert softmax["beta_2"] == pytest.approx([0.450166, 0.549834], abs=1e-6)
    assert softmax["beta_5"] == pytest.approx([0.377541, 0.622459], abs=1e-6)
    assert softmax["beta_100"][0] == pytest.approx(4.54e-05, abs=1e-7) and softmax["beta_100"][1] > 0.9999
    assert sorted(softmax["misprinted"]) == ["0.451", "0.524", "9.9e-01"] and softmax["error_in_last_digits"] < 1
    direction = c["temperature_direction"]["values"]
    assert direction["sharpest"] > 0.99 and direction["flattest"] < 0.26
    lse = c["logsumexp"]["values"]
    assert lse["naive"] == "inf" and lse["all_finite"] and lse["stable"] == pytest.approx(lse["exact"], abs=1e-9)


def test_e13_backprop_vs_numerical_differentiation(claims):
    c = claims(13)
    assert c["agree"]["values"]["max_relative_difference"] < 1e-6
    # costs are counted (passes and multiply-adds), never timed
    assert 0.9 < c["backprop_linear"]["values"]["slope"] < 1.1
    quadratic = c["numerical_quadratic"]["values"]
    assert 1.9 < quadratic["slope"] < 2.1 and quadratic["ratio_at_largest"] > 100


def test_e14_loss_along_lines(claims):
    c = claims(14)
    assert c["linear_convex"]["values"]["smallest"] > -1e-9
    deep = c["network_not_convex"]["values"]
    assert deep["smallest"] < -1e-3 and deep["middle"] > 0


def test_e15_batch_norm_undoes_itself(claims):
    c = claims(15)
    assert c["standardizes"]["values"]["largest_mean"] < 1e-12
    assert c["undoes_itself"]["values"]["identity_error"] < 1e-12 and c["undoes_itself"]["values"]["eval_error"] < 1e-12


def test_e16_unit_variance_derivation(claims):
    c = claims(16)
    assert all(c["derivation_holds"]["values"][f"log_error_{g}"] < 0.1 for g in (0.5, 1.0, 2.0))
    relu = c["relu_halves"]["values"]
    assert abs(relu["factor_xavier"] - 0.5) < 0.05 and abs(relu["factor_he"] - 1) < 0.05


def test_e17_maxout(claims):
    c = claims(17)
    assert c["special_cases"]["values"] == {"relu": 0.0, "leaky": 0.0}
    death = c["no_death"]["values"]
    assert death["maxout_after"] == 0 and death["maxout_final"] == 0 and death["relu_after"] > 0.1


def test_e18_saturation(claims):
    c = claims(18)
    saturated = c["units_saturate"]["values"]
    assert saturated["tanh_flat"] > 0.85 and saturated["sigmoid_flat"] > 0.6 and saturated["xavier_flat"] < 0.1
    per_layer = c["killed_per_unit_not_per_layer"]["values"]
    assert per_layer["tanh_factor"] > 1.5 and per_layer["sigmoid_factor"] > 1.1


def test_e19_entropy_cross_entropy_kl(claims):
    c = claims(19)
    table = c["table_bits"]["values"]
    assert table["bits_0.8"] == pytest.approx(0.3219, abs=1e-4) and table["bits_0.15"] == pytest.approx(2.737, abs=1e-3)
    assert table["bits_0.05"] == pytest.approx(math.log2(20), abs=1e-9)
    assert c["identity"]["values"]["identity_gap"] < 1e-9 and c["identity"]["values"]["kl_min"] > 0
    assert c["minimum_at_p"]["values"]["final_kl"] < 1e-4


def test_e20_swish_is_reported_honestly(claims):
    c = claims(20)
    assert c["shape"]["values"]["minimum"] == pytest.approx(-0.2785, abs=1e-3)
    assert c["both_train"]["values"]["lowest"] > 0.85
    assert c["deeper_favours_swish"]["verdict"] == "not reproduced" and not c["deeper_favours_swish"]["holds"]


def test_e21_zero_one_loss_has_no_gradient(claims):
    c = claims(21)
    assert c["zero_gradient"]["values"]["nonzero_fraction"] < 0.01
    surrogate = c["surrogate_trains"]["values"]
    assert surrogate["after"] < 0.1 < 0.5 < surrogate["before"]


def test_every_claim_has_a_verdict_and_none_fails(claims):
    tour = quick_tour()
    verdicts = [c["verdict"] for e in tour.results["experiments"] for c in e["claims"]]
    assert all(v in ("holds", "fails", "not reproduced") for v in verdicts)
    assert len(verdicts) >= 45 and verdicts.count("not reproduced") <= 2
    failing = [(e["number"], c["key"], c["measured"]) for e in tour.results["experiments"] for c in e["claims"]
               if c["verdict"] == "fails"]
    assert not failing, failing
