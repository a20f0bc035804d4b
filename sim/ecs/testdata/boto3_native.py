"""Drives the sim's ECS with boto3 (botocore's ECS model) and checks every
answer strictly against the model: each member the sim writes must be one
the model's output shape declares, with the model's type. Prints a JSON
summary for the Go test. Argument: the sim's URL."""
import json
import sys

from botocheck import client, problems

ecs = client(sys.argv[1])

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
# Each revision's resolved load balancer: the target group its tasks
# register in, behind the service's production listener rule.
both = ecs.describe_service_revisions(serviceRevisionArns=[sd["targetServiceRevision"]["arn"], sd["sourceServiceRevisions"][0]["arn"]])["serviceRevisions"]
out["resolved"] = [r.get("resolvedConfiguration", {}).get("loadBalancers", []) for r in both]
lb = svc["loadBalancers"][0]
out["service_lb"] = [lb["targetGroupArn"], lb["advancedConfiguration"]["alternateTargetGroupArn"], lb["advancedConfiguration"]["productionListenerRule"]]
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
