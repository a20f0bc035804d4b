"""Drives the sim's ECS with boto3 (botocore's ECS model) and checks every
answer strictly against the model: each member the sim writes must be one
the model's output shape declares, with the model's type. Prints a JSON
summary for the Go test. Argument: the sim's URL."""
import json
import sys

import boto3
from botocore import UNSIGNED
from botocore.config import Config

url = sys.argv[1]
ecs = boto3.client("ecs", endpoint_url=url, region_name="us-east-1",
                   config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))
model = ecs.meta.service_model
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


ecs.meta.events.register("after-call.ecs.*", keep)

out = {}
svc = ecs.describe_services(cluster="production", services=["orders"])["services"][0]
out["strategy"] = svc["deploymentConfiguration"]["strategy"]
out["hooks"] = svc["deploymentConfiguration"].get("lifecycleHooks", [])
arn = svc["currentServiceDeployment"]
listed = ecs.list_service_deployments(cluster="production", service="orders", status=["IN_PROGRESS"])["serviceDeployments"]
out["listed"] = [d["serviceDeploymentArn"] for d in listed]
sd = ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"][0]
out["stage"] = sd["lifecycleStage"]
out["target_weight"] = sd["targetServiceRevision"].get("requestedProductionTrafficWeight")
out["source_weight"] = sd["sourceServiceRevisions"][0].get("requestedProductionTrafficWeight")
waiting = [h for h in sd.get("lifecycleHookDetails", []) if h["status"] == "AWAITING_ACTION"]
out["waiting"] = [{"type": h["targetType"], "timeout": h["timeoutAction"], "expires": h["expiresAt"].isoformat()} for h in waiting]
revs = ecs.describe_service_revisions(serviceRevisionArns=[sd["targetServiceRevision"]["arn"]])["serviceRevisions"]
out["target_task_definition"] = revs[0]["taskDefinition"]
out["continued"] = ecs.continue_service_deployment(serviceDeploymentArn=arn, hookId=waiting[0]["hookId"], action="CONTINUE")["serviceDeploymentArn"] == arn
try:
    ecs.continue_service_deployment(serviceDeploymentArn=arn, hookId=waiting[0]["hookId"], action="CONTINUE")
    out["second_continue"] = "accepted"
except ecs.exceptions.ClientError as e:
    out["second_continue"] = e.response["Error"]["Code"]

# CODE_DEPLOY and EXTERNAL services: task sets.
ecs.create_cluster(clusterName="blue-green")
td = ecs.register_task_definition(family="cd", containerDefinitions=[{"name": "cd", "image": "acme/cd:1", "memory": 128}])["taskDefinition"]["taskDefinitionArn"]
ecs.create_service(cluster="blue-green", serviceName="cd", taskDefinition=td, desiredCount=1, deploymentController={"type": "CODE_DEPLOY"})
ecs.create_service(cluster="blue-green", serviceName="ext", desiredCount=1, deploymentController={"type": "EXTERNAL"})
ts = ecs.create_task_set(cluster="blue-green", service="ext", taskDefinition=td, externalId="tool-1", scale={"unit": "PERCENT", "value": 50.0})["taskSet"]
ecs.update_service_primary_task_set(cluster="blue-green", service="ext", primaryTaskSet=ts["taskSetArn"])
got = ecs.describe_services(cluster="blue-green", services=["cd", "ext"])["services"]
out["controllers"] = {s["serviceName"]: [s["deploymentController"]["type"], [t["status"] for t in s.get("taskSets", [])], s.get("taskDefinition", "")] for s in got}
try:
    ecs.update_service(cluster="blue-green", service="cd", taskDefinition=td)
    out["update_code_deploy"] = "accepted"
except ecs.exceptions.InvalidParameterException as e:
    out["update_code_deploy"] = "InvalidParameterException"

out["problems"] = problems
print(json.dumps(out))
