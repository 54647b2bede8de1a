"""Face comparison and the distance -> similarity mapping."""
import pytest

from liveness.engine import RECOMMENDED_THRESHOLDS, codes, compare_faces, distance_to_similarity, similarity_to_distance
from tests import mediagen


def test_mapping_anchors_and_monotonicity():
    assert distance_to_similarity(0.0) == 100
    assert distance_to_similarity(0.6) == 70  # dlib's published operating point
    assert distance_to_similarity(0.5) == 80
    assert distance_to_similarity(1.5) == 0
    xs = [i / 100 for i in range(0, 130)]
    ys = [distance_to_similarity(x) for x in xs]
    assert all(a >= b for a, b in zip(ys, ys[1:]))
    for s in (60, 70, 75, 80, 90):
        assert distance_to_similarity(similarity_to_distance(s)) == pytest.approx(s, abs=0.1)


def test_same_person_card_and_selfie():
    r = compare_faces(mediagen.selfie_jpeg(), mediagen.card_jpeg())
    assert r.ok and r.code == codes.OK
    assert r.score >= RECOMMENDED_THRESHOLDS["similarity"] + 10
    assert r.metrics["distance"] < 0.4 and r.metrics["reference_face_px"] > 80


def test_same_person_under_changes():
    card = mediagen.card_jpeg()
    for variation in ({"brightness": 0.5}, {"rotate": 20}, {"scale": 0.4}):
        r = compare_faces(mediagen.selfie_jpeg(**variation), card)
        assert r.ok, (variation, r)


def test_different_person():
    r = compare_faces(mediagen.selfie_jpeg("lfw:10"), mediagen.card_jpeg())
    assert (r.ok, r.code) == (False, codes.DIFFERENT_PERSON)
    assert r.score is not None and r.score < 50  # the score is still reported
    assert r.metrics["distance"] > 0.6
    assert r.findings[0].startswith(codes.DIFFERENT_PERSON + ": similarity")


def test_threshold_is_configurable():
    probe, card = mediagen.selfie_jpeg("lfw:10"), mediagen.card_jpeg()
    low = compare_faces(probe, card, threshold=5)
    assert low.ok and low.score == compare_faces(probe, card).score


def test_missing_faces():
    assert compare_faces(mediagen.selfie_jpeg(no_face=True), mediagen.card_jpeg()).code == codes.NO_FACE
    r = compare_faces(mediagen.selfie_jpeg(), mediagen.selfie_jpeg(no_face=True))
    assert (r.ok, r.code, r.score) == (False, codes.CARD_NO_FACE, None)
    assert compare_faces(b"junk", mediagen.card_jpeg()).code == codes.UNDECODABLE_IMAGE
