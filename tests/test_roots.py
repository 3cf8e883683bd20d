import numpy as np
import pytest

from retrieval.roots import NO_ROOT, TermRoots, root_code
from retrieval.stemming import pattern_root


def test_derivations_share_a_root_code_and_other_roots_do_not():
    # Index terms, as the analyser writes them (تكلفة is indexed as تكلف).
    assert root_code("كلف") == root_code("تكلف") != NO_ROOT
    assert root_code("وزير") == root_code("وزراء") != root_code("وزن")
    assert len({root_code(term) for term in ("كلف", "كتب", "نجح", "اسس", "ولد")}) == 5


@pytest.mark.parametrize("term", ["tesla", "r1", "من", "2025", "ـ"])
def test_terms_without_a_pattern_root_have_code_zero(term):
    assert pattern_root(term) is None
    assert root_code(term) == NO_ROOT


def test_a_table_gives_each_term_id_its_root_code():
    vocabulary = {"تكلف": 0, "tesla": 1, "وزراء": 2, "نجاح": 3}
    roots = TermRoots.build(vocabulary)
    assert roots.codes.tolist() == [root_code(term) for term in vocabulary]
    assert roots.of(np.array([0, 1])) == {root_code("كلف"), NO_ROOT}


@pytest.mark.parametrize(
    "codes",
    [
        np.zeros(3, dtype=np.int32),  # one term short
        np.zeros(4, dtype=np.int64),  # another type
        np.array([0, 1, -1, 2], dtype=np.int32),
        np.array([0, 1, 42**3 + 1, 2], dtype=np.int32),
    ],
)
def test_a_saved_table_that_does_not_fit_the_index_is_refused(codes):
    with pytest.raises(ValueError):
        TermRoots.from_arrays("roots", {"roots.codes": codes}, 4)
