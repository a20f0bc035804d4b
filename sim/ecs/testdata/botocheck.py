"""What the boto3 scripts share: an ECS client on the sim's URL whose every
answer is held member by member to botocore's output shapes (problems
collects what does not fit)."""
import json

import boto3
from botocore import UNSIGNED
from botocore.config import Config

problems = []
raw = {}
# Members newer than the botocore on this machine: the Go SDK the provider
# uses (service/ecs v1.104.1) has them (customizable circuit breaker,
# v1.86.0); botocore's model does not yet.
NEWER = {("DeploymentCircuitBreaker", "thresholdConfiguration")}


def check(value, shape, path):
    t = shape.type_name
    if t == "structure":
        if not isinstance(value, dict):
            problems.append(f"{path}: want an object, got {type(value).__name__}")
            return
        for k, v in value.items():
            if k not in shape.members:
                if (shape.name, k) in NEWER:
                    continue
                problems.append(f"{path}.{k}: not in the model's {shape.name}")
                continue
            if v is not None:
                check(v, shape.members[k], f"{path}.{k}")
    elif t == "list":
        if not isinstance(value, list):
            problems.append(f"{path}: want a list")
            return
        for i, v in enumerate(value):
            check(v, shape.member, f"{path}[{i}]")
    elif t == "string":
        if not isinstance(value, str):
            problems.append(f"{path}: want a string, got {value!r}")
        elif shape.enum and value not in shape.enum:
            problems.append(f"{path}: {value!r} is not one of {shape.enum}")
    elif t in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(f"{path}: want an integer, got {value!r}")
    elif t == "double":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            problems.append(f"{path}: want a number, got {value!r}")
    elif t == "boolean":
        if not isinstance(value, bool):
            problems.append(f"{path}: want a boolean, got {value!r}")
    elif t == "timestamp":
        if not isinstance(value, (int, float)):
            problems.append(f"{path}: want epoch seconds, got {value!r}")


def keep(http_response, model, **_):
    op = model.name
    body = json.loads(http_response.content or b"{}")
    raw[op] = body
    if http_response.status_code == 200 and model.output_shape is not None:
        check(body, model.output_shape, op)


def client(url):
    """An unsigned ECS client on url whose answers are checked."""
    ecs = boto3.client("ecs", endpoint_url=url, region_name="us-east-1",
                       config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))
    ecs.meta.events.register("after-call.ecs.*", keep)
    return ecs

