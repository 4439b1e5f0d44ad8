"""The MNIST subset shipped in the package: shapes, dtypes, balance, split, and real digits."""
import numpy as np
import pytest

from nn.data import load_mnist_subset


def test_train_and_test_splits_are_balanced_and_disjoint():
    x_train, y_train = load_mnist_subset("train", scale=False)
    x_test, y_test = load_mnist_subset("test", scale=False)
    assert x_train.shape == (4000, 1, 28, 28) and x_test.shape == (1000, 1, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.int64
    assert np.bincount(y_train).tolist() == [400] * 10 and np.bincount(y_test).tolist() == [100] * 10
    train_rows = {row.tobytes() for row in x_train.reshape(4000, -1)}
    assert not any(row.tobytes() in train_rows for row in x_test.reshape(1000, -1))


def test_scaled_images_are_in_unit_range_and_flatten_gives_rows():
    x, _ = load_mnist_subset("test", flatten=True)
    assert x.shape == (1000, 784) and x.dtype == np.float32
    assert x.min() == 0.0 and x.max() == 1.0


def test_digits_look_like_digits():
    """A nearest-class-mean classifier, fitted on train, is far above chance (10%) on test."""
    x, y = load_mnist_subset("train", flatten=True)
    x_test, y_test = load_mnist_subset("test", flatten=True)
    means = np.stack([x[y == d].mean(axis=0) for d in range(10)])
    predicted = np.argmin(((x_test[:, None, :] - means[None]) ** 2).sum(axis=-1), axis=1)
    assert (predicted == y_test).mean() > 0.7


def test_unknown_split_is_an_error():
    with pytest.raises(ValueError, match="split must be 'train' or 'test', got 'validation'"):
        load_mnist_subset("validation")
