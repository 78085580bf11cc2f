import numpy as np

from jaffle_sim.simulation.streams import Streams


def test_same_seed_same_numbers_and_concerns_are_independent():
    a, b = Streams(3), Streams(3)
    assert np.array_equal(a.generator("ads", 1).random(5), b.generator("ads", 1).random(5))
    assert not np.array_equal(a.generator("ads", 0).random(5), a.generator("ads", 1).random(5))
    assert not np.array_equal(a.generator("shop").random(5), a.generator("customers").random(5))


def test_flavours_and_seeds_never_share_a_stream():
    t, v = Streams(3, "training"), Streams(3, "validation")
    assert not np.array_equal(t.generator("shop").random(5), v.generator("shop").random(5))
    assert not np.array_equal(
        Streams(3).generator("shop").random(5), Streams(4).generator("shop").random(5)
    )
    assert Streams(3).integer_seed("names") == Streams(3).integer_seed("names")
