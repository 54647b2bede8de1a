"""The public contract others code against."""
import dataclasses
import threading

import pytest

import liveness.engine as engine
from liveness.engine import codes, loaders
from tests import mediagen


def test_public_names_and_result_fields():
    for name in ("EngineResult", "analyse_selfie", "analyse_digit_video", "compare_faces",
                 "new_challenge_digits", "RECOMMENDED_THRESHOLDS"):
        assert hasattr(engine, name), name
    fields = [f.name for f in dataclasses.fields(engine.EngineResult)]
    assert fields == ["ok", "code", "score", "findings", "metrics", "best_frame_jpeg",
                      "face_crop_jpeg", "recognised_digits", "similarity", "penalties", "digit_timings"]
    assert set(engine.RECOMMENDED_THRESHOLDS) == {"liveness", "similarity"}
    assert all(0 < v < 100 for v in engine.RECOMMENDED_THRESHOLDS.values())


def test_penalties_name_each_findings_code_and_add_up_to_the_score():
    result = engine.analyse_selfie(mediagen.selfie_jpeg(halftone=True, crop="square"))

    assert len(result.penalties) >= 2 and [code for code, _ in result.penalties] == [f.split(":")[0] for f in result.findings]
    assert result.score == pytest.approx(max(0.0, 100.0 - sum(points for _, points in result.penalties)), abs=0.05)


def test_challenge_digits_are_four_random_digits():
    seen = {engine.new_challenge_digits() for _ in range(200)}
    assert all(len(d) == 4 and d.isdigit() for d in seen)
    assert len(seen) > 150  # random, not a fixed or tiny set
    assert set("".join(seen)) == set("0123456789")


def test_models_are_loaded_once_per_process():
    engine.analyse_selfie(mediagen.selfie_jpeg())
    det, sp, enc, asr = loaders.detector(), loaders.shape_predictor(), loaders.face_encoder(), loaders.digit_decoder()
    engine.compare_faces(mediagen.selfie_jpeg(), mediagen.card_jpeg())
    assert loaders.detector() is det and loaders.shape_predictor() is sp and loaders.face_encoder() is enc
    assert loaders.digit_decoder() is asr


def test_concurrent_calls_from_threads_agree():
    selfie, card = mediagen.selfie_jpeg(), mediagen.card_jpeg()
    expected = engine.compare_faces(selfie, card).score
    results, errors = [], []

    def work():
        try:
            results.append(engine.compare_faces(selfie, card).score)
            results.append(engine.analyse_selfie(selfie).score)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]  # dlib's detector is not thread-safe: one per thread
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results.count(expected) == 3


def test_every_code_used_is_declared():
    import pathlib
    import re

    src = "".join(p.read_text() for p in pathlib.Path(engine.__file__).parent.glob("*.py") if p.name != "codes.py")
    used = set(re.findall(r"codes\.([A-Z_]+)", src)) - {"OK", "ALL"}
    assert used <= {name for name in dir(codes) if name.isupper()}
    assert {getattr(codes, n) for n in used} <= set(codes.ALL)


@pytest.mark.parametrize("score,penalty_text", [(None, None)])
def test_failure_results_carry_a_prefixed_finding(score, penalty_text):
    r = engine.analyse_selfie(b"not an image")
    assert (r.ok, r.code, r.score) == (False, codes.UNDECODABLE_IMAGE, score)
    assert r.findings and r.findings[0].startswith(codes.UNDECODABLE_IMAGE + ": ")
