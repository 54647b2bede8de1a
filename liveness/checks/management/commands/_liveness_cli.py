"""Shared by liveness_selfie and liveness_video: run one provider call and print the verdict."""
from __future__ import annotations

import json

from django.core.management.base import CommandError

from liveness.checks import judging as services
from liveness.vendors import catalogue
from liveness.vendors.base import ProviderError, ProviderResult


def read_file(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from None


def verdict(*, provider: str, call) -> dict:
    """Call the provider once and judge the answer exactly as the pipeline does."""
    try:
        result: ProviderResult = call()
    except ProviderError as error:
        entry = catalogue.lookup(error.vendor, error.code)
        return {"provider": provider, "passed": False, "score": None, "threshold": None, "code": error.code,
                "explanation": f"{error.message} — {entry.reviewer_explanation}", "category": entry.category.value,
                "transient": error.transient}
    judged = services.result_judge(provider=provider, result=result)
    scores = {
        item.score.metric: {"score": item.score.value, "scale": item.score.scale,
                            "threshold": item.policy.value if item.policy else None, "passed": item.passed}
        for item in judged.scores
    }
    primary = next(iter(scores.values()), {"score": None, "threshold": None})
    if result.error_code:
        entry = catalogue.lookup(result.vendor, result.error_code)
        explanation, category = entry.reviewer_explanation, entry.category.value
    else:
        failing = [f"{m} {s['score']:g} below threshold {s['threshold']:g}" for m, s in scores.items() if s["passed"] is False]
        explanation = "; ".join(failing) or "every check passed"
        category = ""
    return {
        "provider": provider, "passed": judged.passed, "score": primary["score"], "threshold": primary["threshold"],
        "code": result.error_code or "0", "explanation": explanation, "category": category, "scores": scores,
        "findings": result.findings, "recognised_digits": result.recognised_digits,
        "request_id": result.request_id, "returned_photos": sorted(result.photos),
    }


def print_verdict(command, data: dict, *, as_json: bool) -> None:
    if as_json:
        command.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        return
    command.stdout.write(f"{'PASSED' if data['passed'] else 'FAILED'}  ({data['provider']})")
    for metric, score in (data.get("scores") or {}).items():
        threshold = "no threshold" if score["threshold"] is None else f"threshold {score['threshold']:g}"
        command.stdout.write(f"  {metric}: {score['score']:g} / {score['scale']:g}  ({threshold})")
    command.stdout.write(f"  code {data['code']}: {data['explanation']}")
    for finding in data.get("findings") or []:
        command.stdout.write(f"  - {finding}")
