import pickle
import time
import uuid

from hypothesis import given
from hypothesis import strategies as st

from billing.ids import time_ordered_uuid, time_ordered_uuids


def test_a_time_ordered_uuid_is_a_version_7_rfc_9562_uuid_carrying_the_current_millisecond():
    before = time.time_ns() // 1_000_000
    value = time_ordered_uuid()
    after = time.time_ns() // 1_000_000

    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert before <= value.int >> 80 <= after


def test_ids_made_in_later_milliseconds_sort_after_earlier_ones():
    first = time_ordered_uuid()
    time.sleep(0.002)
    second = time_ordered_uuid()

    assert first < second
    assert str(first) < str(second)  # the text form sorts the same way (PostgreSQL's uuid order is bytewise)


@given(st.integers(min_value=2, max_value=200))
def test_ids_do_not_repeat(count):
    assert len({time_ordered_uuid() for _ in range(count)}) == count


def test_a_batch_of_ids_shares_one_millisecond_and_has_no_repeats():
    before = time.time_ns() // 1_000_000
    values = time_ordered_uuids(500)
    after = time.time_ns() // 1_000_000

    assert len(set(values)) == 500
    assert {value.version for value in values} == {7}
    assert {value.variant for value in values} == {uuid.RFC_4122}
    milliseconds = {value.int >> 80 for value in values}
    assert len(milliseconds) == 1 and before <= milliseconds.pop() <= after


def test_an_id_reads_like_the_plain_uuid_of_its_bits_and_is_equal_to_it():
    for value in time_ordered_uuids(50):
        plain = uuid.UUID(int=value.int)
        assert str(value) == str(plain) == value.hex[:8] + "-" + str(plain)[9:]
        assert value == plain and hash(value) == hash(plain)
        assert uuid.UUID(str(value)) == value


def test_an_id_pickles_as_a_plain_uuid():
    value = time_ordered_uuid()
    restored = pickle.loads(pickle.dumps(value))
    assert type(restored) is uuid.UUID and restored == value and str(restored) == str(value)


def test_both_random_fields_vary_within_a_batch():
    values = time_ordered_uuids(200)
    rand_a = {(value.int >> 64) & 0xFFF for value in values}
    rand_b = {value.int & ((1 << 62) - 1) for value in values}
    assert len(rand_a) > 100 and len(rand_b) == 200
