"""Run by .venv-sdk3's python (the SageMaker Python SDK v3, which cannot share the project's venv
with the pinned v2): switches features off with v3's ``Constraints.set_monitoring`` as a v3 user
does, through S3 (the test's emulator, named by AWS_ENDPOINT_URL), and writes what the SDK saved.

usage: python sdk3_set_monitoring.py CONSTRAINTS_JSON BUCKET OUT_JSON FEATURE...
Prints the sagemaker-core version it ran.
"""

import json
import sys
from importlib.metadata import version

import boto3
from sagemaker.core.helper.session_helper import Session
from sagemaker.core.model_monitor import Constraints


def main(path: str, bucket: str, out: str, *features: str) -> None:
    session = Session(boto_session=boto3.Session(region_name="us-east-1"), default_bucket=bucket)
    constraints = Constraints.from_file_path(path, sagemaker_session=session)
    for feature in features:
        constraints.set_monitoring(False, feature)
    saved = Constraints.from_s3_uri(constraints.save(), sagemaker_session=session)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(saved.body_dict, f)
    print(version("sagemaker-core"))


if __name__ == "__main__":
    main(*sys.argv[1:])
