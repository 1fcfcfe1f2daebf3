"""The captured-record object handed to ``preprocess_handler`` for SageMaker capture data.

Attribute names follow SageMaker's documented ``CapturedData`` / ``EventData`` / ``EventMetadata``
classes so existing preprocessing scripts run unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SHADOW_INVOCATION = "ShadowExperiment"


@dataclass
class EventData:
    encoding: str | None
    data: str | None
    observedContentType: str | None  # noqa: N815 - SageMaker's spelling
    mode: str | None

    @property
    def observed_content_type(self) -> str | None:
        return self.observedContentType

    @classmethod
    def from_dict(cls, d: dict | None) -> EventData | None:
        if not isinstance(d, dict):
            return None
        return cls(d.get("encoding"), d.get("data"), d.get("observedContentType"), d.get("mode"))


@dataclass
class EventMetadata:
    event_id: str | None
    event_time: str | None
    custom_attribute: list | None
    inference_id: str | None = None
    invocation_source: str | None = None

    @classmethod
    def from_dict(cls, d: dict | None) -> EventMetadata | None:
        if not isinstance(d, dict):
            return None
        return cls(
            d.get("eventId"),
            d.get("inferenceTime"),
            d.get("customAttributes"),
            d.get("inferenceId"),
            d.get("invocationSource"),
        )


class CapturedData:
    """One line of endpoint data capture (or of a ground-truth-merged file)."""

    def __init__(self, event: dict):
        self.event_dict = event
        capture = event.get("captureData") if isinstance(event.get("captureData"), dict) else {}
        self.endpoint_input = EventData.from_dict(capture.get("endpointInput"))
        self.endpoint_output = EventData.from_dict(capture.get("endpointOutput"))
        self.batch_transform_output = EventData.from_dict(capture.get("batchTransformOutput"))
        self.ground_truth = EventData.from_dict(event.get("groundTruthData"))
        self.event_metadata = EventMetadata.from_dict(event.get("eventMetadata"))
        self.event_version = event.get("eventVersion")

    def part(self, index_name: str) -> EventData | None:
        capture = self.event_dict.get("captureData") or {}
        return EventData.from_dict(capture.get(index_name)) if isinstance(capture, dict) else None

    @property
    def is_shadow(self) -> bool:
        return bool(self.event_metadata and self.event_metadata.invocation_source == SHADOW_INVOCATION)

    def as_dict(self) -> dict[str, Any]:
        return self.event_dict

    def __repr__(self) -> str:
        event_id = self.event_metadata.event_id if self.event_metadata else None
        return f"CapturedData(event_id={event_id!r})"
