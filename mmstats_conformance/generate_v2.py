"""The version 2 part of conformance/: v2/valid/, v2/invalid/, v2/writer-scenarios/ and their manifest entries."""
from __future__ import annotations

from .cases_v2_invalid import invalid_cases_v2
from .cases_v2_valid import valid_cases_v2
from .model import json_text
from .model_v2 import build, expected_json
from .scenarios_v2 import scenario_v2_json, scenario_v2_text, scenarios_v2

__all__ = ["v2_files", "ANCHORS_V2"]

# Sections of spec/v2.md each topic or error code points at.
ANCHORS_V2 = {
    "spec": "#examples", "kinds": "#kinds-and-value-types", "numbers": "#numbers", "units": "#units",
    "attributes": "#attributes", "text": "#strings", "slots": "#slots", "runtime": "#adding-a-field-at-run-time",
    "capacity": "#adding-a-field-at-run-time", "seqlock": "#reading-a-multi-word-value",
    "skip": "#kinds-and-value-types", "lifecycle": "#state",
    "not_ready": "#state", "bad_version": "#version-byte-and-magic", "file_too_large": "#finding-problems",
    "bad_file_size": "#finding-problems",
    "bad_header_size": "#minor-version-and-header-size", "bad_state": "#state", "bad_region": "#regions",
    "bad_count": "#regions", "bad_entry_size": "#metadata-entries", "bad_lengths": "#metadata-entries",
    "bad_name": "#names", "bad_utf8": "#metadata-entries", "bad_unit": "#units", "bad_attributes": "#attributes",
    "bad_value_type": "#kinds-and-value-types", "bad_value_offset": "#kinds-and-value-types",
    "bad_value_size": "#kinds-and-value-types", "bad_histogram": "#histograms", "bad_string_length": "#strings",
    "writer": "#writer-protocol",
}


def v2_files(entry) -> dict[str, bytes]:
    """Every v2 corpus file by path; ``entry(id, path, kind, spec, description, expect, level, **extra)``
    makes a manifest entry (the caller's, so both versions share one manifest format)."""
    files: dict[str, bytes] = {}
    for c in valid_cases_v2():
        path = f"{c.id}.mmstats"
        files[path] = bytes(build(c.file).data)
        files[f"{c.id}.json"] = json_text(expected_json(path, c.file)).encode("utf-8")
        entry(c.id, path, "valid", ANCHORS_V2[c.topic], c.description, f"{c.id}.json", c.level)
    for c in invalid_cases_v2():
        path = f"{c.id}.mmstats"
        files[path] = c.data
        entry(c.id, path, "invalid", ANCHORS_V2[c.code], c.description,
              c.expect, c.level, options=c.options)
    for sc in scenarios_v2():
        path = f"{sc.id}.json"
        files[path] = scenario_v2_text(scenario_v2_json(sc)).encode("utf-8")
        entry(sc.id, path, "writer", ANCHORS_V2["writer"], sc.description, {"json": path, "image": None}, sc.level)
    return files
