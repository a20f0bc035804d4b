"""Stopped tasks through boto3: `seed` creates three services whose builds
fail (a crash, an out-of-memory kill, an image that cannot be pulled);
`read`, once the Go test has moved the clock, lists each one's stopped
tasks (desiredStatus STOPPED) and describes them, every answer held to
botocore's model. Prints a JSON summary. Arguments: the sim's URL, the
phase."""
import json
import sys

from botocheck import client, problems

ecs = client(sys.argv[1])
SERVICES = {"crash": "acme/crash:bad", "oom": "acme/oom:bad-oom", "pull": "acme/pull:bad-pull"}

if sys.argv[2] == "seed":
    ecs.create_cluster(clusterName="failing")
    for name, image in SERVICES.items():
        td = ecs.register_task_definition(family=name, containerDefinitions=[
            {"name": "app", "image": image, "memory": 128, "essential": True},
            {"name": "log_router", "image": "amazon/aws-for-fluent-bit:2", "memory": 64, "essential": False}])
        ecs.create_service(cluster="failing", serviceName=name, desiredCount=2,
                           taskDefinition=td["taskDefinition"]["taskDefinitionArn"],
                           deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": False}})
    print(json.dumps({"problems": problems}))
    sys.exit(0)

out = {}
for name in SERVICES:
    arns = ecs.list_tasks(cluster="failing", serviceName=name, desiredStatus="STOPPED", maxResults=100)["taskArns"]
    tasks = ecs.describe_tasks(cluster="failing", tasks=arns)["tasks"] if arns else []
    out[name] = [{"stopCode": t.get("stopCode"), "stoppedReason": t.get("stoppedReason"),
                  "startedBy": t.get("startedBy"), "group": t.get("group"),
                  "stoppedAt": t["stoppedAt"].isoformat() if "stoppedAt" in t else None,
                  "containers": [{"name": c["name"], "exitCode": c.get("exitCode"), "reason": c.get("reason")}
                                 for c in t["containers"]]} for t in tasks]
try:
    ecs.list_tasks(cluster="failing", serviceName="crash", startedBy="ecs-svc/1")
    out["two_filters"] = "accepted"
except ecs.exceptions.InvalidParameterException:
    out["two_filters"] = "InvalidParameterException"
out["running"] = len(ecs.list_tasks(cluster="failing", serviceName="crash")["taskArns"])
out["problems"] = problems
print(json.dumps(out))
