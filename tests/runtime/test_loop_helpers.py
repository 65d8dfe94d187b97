"""The runtime helpers generated loops use: lists grown by append and adjoints added into in place."""

import numpy as np
import pytest

from sourcegrad.errors import DeclinedAtRunTime
from sourcegrad.rules.kernels import unappended
from sourcegrad.runtime.helpers import ItemAdjoints, added_into, appended, unindex, zeros_like


def test_added_into_adds_at_a_basic_index_in_place():
    x = np.arange(6.0).reshape(2, 3)
    out = np.ones((2, 3))
    result = added_into(out, np.array([1.0, 2.0, 3.0]), x, 1)
    assert result is out
    np.testing.assert_array_equal(out, [[1, 1, 1], [2, 3, 4]])


def test_added_into_adds_repeated_advanced_indices_once_each():
    x = np.zeros(4)
    out = np.zeros(4)
    added_into(out, np.array([1.0, 2.0, 4.0]), x, [0, 0, 3])
    np.testing.assert_array_equal(out, [3.0, 0.0, 0.0, 4.0])


def test_added_into_is_a_plain_sum_when_it_cannot_add_in_place():
    out = 0.0                                   # an adjoint still a Python zero
    result = added_into(out, 2.0, np.zeros(3), 1)
    np.testing.assert_array_equal(result, [0.0, 2.0, 0.0])
    items = ItemAdjoints([0.0, 0.0])            # the adjoint of a list: item by item
    assert added_into(items, 5.0, [1.0, 2.0], -1) == (0.0, 5.0)


def test_appended_makes_a_new_list_and_unappended_gives_back_the_rest_item_by_item():
    first = [np.ones(2)]
    second = appended(first, np.zeros(2))
    assert second is not first and len(first) == 1 and len(second) == 2
    rest = unappended(ItemAdjoints([1.0, 2.0, 3.0]))
    assert isinstance(rest, ItemAdjoints) and rest == (1.0, 2.0)
    assert rest + ItemAdjoints([10.0, 20.0]) == (11.0, 22.0)   # adds item by item, never concatenates
    np.testing.assert_array_equal(unappended(np.arange(6.0).reshape(3, 2)), [[0, 1], [2, 3]])
    with pytest.raises(DeclinedAtRunTime, match="append"):
        appended((1.0,), 2.0)


def test_zeros_of_a_list_are_zeros_per_item_and_an_index_into_it_must_be_an_integer():
    zeros = zeros_like([np.ones(2), 3.0])
    assert isinstance(zeros, ItemAdjoints)
    np.testing.assert_array_equal(zeros[0], [0.0, 0.0])
    assert zeros[1] == 0.0
    with pytest.raises(DeclinedAtRunTime, match="only an integer index"):
        unindex(1.0, [np.ones(2), np.ones(2)], slice(0, 1))
