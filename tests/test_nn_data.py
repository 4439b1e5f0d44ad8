"""Data: the batching iterator, train/test split, toy sets, shipped digits and the MNIST IDX reader."""
import gzip
import os

import numpy as np
import pytest

import autograd
import nn
from nn.data import DataLoader, load_digits, load_mnist, read_idx, train_test_split


# ----- DataLoader -----------------------------------------------------------------------------
def epoch_rows(loader):
    """The x rows of one epoch (x holds each sample's index in column 0), batch by batch."""
    return [batch[0].data[:, 0].astype(int).tolist() for batch in loader]


def indexed(n=10):
    x = np.stack([np.arange(n), np.arange(n) * 10], axis=1).astype(np.float32)
    return x, np.arange(n) % 3


def test_batches_in_order_without_shuffle():
    x, y = indexed(10)
    loader = DataLoader(x, y, batch_size=4)
    assert len(loader) == 3
    assert epoch_rows(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    xb, yb = next(iter(loader))
    assert isinstance(xb, autograd.Tensor) and isinstance(yb, autograd.Tensor)
    assert xb.dtype == np.float32 and yb.data.tolist() == [0, 1, 2, 0]


def test_shuffle_covers_every_sample_once_and_keeps_pairs():
    x, y = indexed(23)
    loader = DataLoader(x, y, batch_size=5, shuffle=True, seed=0)
    for _ in range(2):
        seen = []
        for xb, yb in loader:
            np.testing.assert_array_equal(yb.data, xb.data[:, 0].astype(int) % 3)
            seen.extend(xb.data[:, 0].astype(int))
        assert sorted(seen) == list(range(23))


def test_shuffle_is_seeded_and_changes_between_epochs():
    x, y = indexed(20)
    a, b = DataLoader(x, y, 4, shuffle=True, seed=1), DataLoader(x, y, 4, shuffle=True, seed=1)
    first_a, first_b = epoch_rows(a), epoch_rows(b)
    assert first_a == first_b and epoch_rows(a) == epoch_rows(b)  # the whole sequence repeats
    assert epoch_rows(a) != first_a
    assert epoch_rows(DataLoader(x, y, 4, shuffle=True, seed=2)) != first_b
    nn.manual_seed(5)
    c = epoch_rows(DataLoader(x, y, 4, shuffle=True))
    nn.manual_seed(5)
    assert epoch_rows(DataLoader(x, y, 4, shuffle=True)) == c


def test_drop_last_and_x_only():
    x, _ = indexed(10)
    loader = DataLoader(x, batch_size=4, drop_last=True, shuffle=True, seed=0)
    assert len(loader) == 2
    batches = list(loader)
    assert [b.shape for b in batches] == [(4, 2), (4, 2)]
    assert len(DataLoader(x, batch_size=5, drop_last=True)) == 2


def test_loader_errors_name_the_shapes():
    x, y = indexed(10)
    with pytest.raises(ValueError, match=r"10 samples but y has 9"):
        DataLoader(x, y[:9])
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(x, y, batch_size=0)


# ----- train_test_split -----------------------------------------------------------------------
def test_split_sizes_disjoint_and_reproducible():
    x, y = indexed(10)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, seed=0)
    assert len(x_test) == 3 and len(x_train) == 7  # the test share is rounded up
    rows = sorted(x_train[:, 0].tolist() + x_test[:, 0].tolist())
    assert rows == list(range(10))
    np.testing.assert_array_equal(y_test, x_test[:, 0].astype(int) % 3)
    again = train_test_split(x, y, test_size=0.25, seed=0)
    np.testing.assert_array_equal(again[1], x_test)
    assert train_test_split(x, test_size=4, shuffle=False)[1][:, 0].tolist() == [6, 7, 8, 9]


def test_stratified_split_keeps_class_proportions():
    y = np.repeat([0, 1, 2], [60, 30, 10])
    x = np.arange(100)
    _, x_test, _, y_test = train_test_split(x, y, test_size=0.2, seed=3, stratify=y)
    assert np.bincount(y_test).tolist() == [12, 6, 2]
    np.testing.assert_array_equal(y[x_test], y_test)


def test_split_errors():
    x, y = indexed(10)
    with pytest.raises(ValueError, match="different lengths"):
        train_test_split(x, y[:5])
    with pytest.raises(ValueError, match="test_size"):
        train_test_split(x, test_size=1.5)
    with pytest.raises(ValueError, match="empty part"):
        train_test_split(x, test_size=10)


# ----- synthetic sets -------------------------------------------------------------------------
@pytest.mark.parametrize("make", [nn.data.two_circles, nn.data.moons, nn.data.spirals, nn.data.xor])
def test_synthetic_sets_are_seeded_balanced_and_typed(make):
    x, y = make(n_samples=200, seed=0)
    assert x.shape == (200, 2) and x.dtype == np.float32 and y.dtype == np.int64
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 50 and len(counts) >= 2
    x_again, y_again = make(n_samples=200, seed=0)
    np.testing.assert_array_equal(x, x_again)
    np.testing.assert_array_equal(y, y_again)
    assert not np.array_equal(make(n_samples=200, seed=1)[0], x)


def test_two_circles_radii():
    x, y = nn.data.two_circles(n_samples=100, noise=0.0, factor=0.3, seed=0)
    radius = np.linalg.norm(x, axis=1)
    np.testing.assert_allclose(radius[y == 0], 1.0, rtol=1e-6)
    np.testing.assert_allclose(radius[y == 1], 0.3, rtol=1e-6)


def test_xor_without_noise_is_the_truth_table():
    x, y = nn.data.xor(n_samples=4, noise=0.0, shuffle=False)
    assert x.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and y.tolist() == [0, 1, 1, 0]


def test_spirals_classes_and_radius():
    x, y = nn.data.spirals(n_samples=300, n_classes=3, noise=0.0, seed=0)
    assert np.bincount(y).tolist() == [100, 100, 100]
    assert np.linalg.norm(x, axis=1).max() == pytest.approx(1.0, rel=1e-6)
    with pytest.raises(ValueError, match="n_classes"):
        nn.data.spirals(n_classes=1)


def test_moons_halves():
    x, y = nn.data.moons(n_samples=100, noise=0.0, seed=0)
    assert np.all(x[y == 0, 1] >= -1e-6) and np.all(x[y == 1, 1] <= 0.5 + 1e-6)


# ----- shipped digits -------------------------------------------------------------------------
def test_digits_are_shipped_and_small():
    from nn.data.digits import DIGITS_PATH

    assert os.path.getsize(DIGITS_PATH) < 60_000
    x, y = load_digits()
    assert x.shape == (1797, 64) and x.dtype == np.float32
    assert x.min() == 0.0 and x.max() == 1.0
    assert y.dtype == np.int64 and np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    images, _ = load_digits(flatten=False, scale=False)
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8 and images.max() == 16
    # the first image is a zero: a ring of ink around an empty centre
    assert images[0, 3:5, 3:5].sum() == 0 and images[0, 1:7, 1].sum() > 0 and y[0] == 0


# ----- MNIST IDX files ------------------------------------------------------------------------
def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    header = bytes([0, 0, type_code, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_mnist(directory, kind, images, labels, compress, dotted=False):
    separator = "." if dotted else "-"
    for part, array, rank in (("images", images, 3), ("labels", labels, 1)):
        name = os.path.join(directory, f"{kind}-{part}{separator}idx{rank}-ubyte")
        data = idx_bytes(array)
        if compress:
            name, data = name + ".gz", gzip.compress(data)
        with open(name, "wb") as file:
            file.write(data)


@pytest.mark.parametrize("compress,dotted", [(True, False), (False, False), (False, True)])
def test_load_mnist_reads_idx_files(tmp_path, compress, dotted):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(7, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=7, dtype=np.uint8)
    write_mnist(tmp_path, "t10k", images, labels, compress, dotted)
    x, y = load_mnist(tmp_path, kind="t10k")
    assert x.shape == (7, 784) and x.dtype == np.float32
    np.testing.assert_allclose(x, images.reshape(7, -1) / 255.0, rtol=1e-6)
    assert y.dtype == np.int64 and y.tolist() == labels.tolist()
    raw, _ = load_mnist(str(tmp_path), kind="t10k", flatten=False, scale=False)
    np.testing.assert_array_equal(raw, images)


def test_read_idx_handles_other_types(tmp_path):
    values = np.arange(-6, 6, dtype=np.int32).reshape(3, 4)
    path = tmp_path / "values.idx"
    path.write_bytes(idx_bytes(values, 0x0C))
    result = read_idx(path)
    np.testing.assert_array_equal(result, values)
    assert result.dtype == np.int32


def test_mnist_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_mnist(tmp_path)
    with pytest.raises(ValueError, match="kind"):
        load_mnist(tmp_path, kind="test")
    bad = tmp_path / "bad.idx"
    bad.write_bytes(b"\x12\x34\x08\x01" + (3).to_bytes(4, "big") + b"abc")
    with pytest.raises(ValueError, match="bad magic"):
        read_idx(bad)
    bad.write_bytes(idx_bytes(np.zeros((2, 3), np.uint8))[:-1])
    with pytest.raises(ValueError, match=r"needs 6"):
        read_idx(bad)
    write_mnist(tmp_path, "train", np.zeros((3, 28, 28), np.uint8), np.zeros(2, np.uint8), compress=True)
    with pytest.raises(ValueError, match="3 images but 2 labels"):
        load_mnist(tmp_path)
