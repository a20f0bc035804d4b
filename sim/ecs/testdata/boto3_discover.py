"""What `flightdeck init` reads, through boto3 on the demo world: every
cluster (ListClusters, a page of one at a time, as botocore's paginator
follows nextToken), each cluster's services (ListServices, pages of 4),
their descriptions (DescribeServices, batches of 10) and their task
definitions (DescribeTaskDefinition), every answer held to botocore's
model. Prints a JSON summary. Argument: the sim's URL."""
import json
import sys

from botocheck import client, problems

ecs = client(sys.argv[1])
clusters = []
pages = 0
for page in ecs.get_paginator("list_clusters").paginate(PaginationConfig={"PageSize": 1}):
    pages += 1
    clusters += page["clusterArns"]
out = {"clusters": clusters, "cluster_pages": pages, "services": {}, "labels": {}}
for arn in clusters:
    arns = []
    for page in ecs.get_paginator("list_services").paginate(cluster=arn, PaginationConfig={"PageSize": 4}):
        arns += page["serviceArns"]
    names = []
    for i in range(0, len(arns), 10):
        for s in ecs.describe_services(cluster=arn, services=arns[i:i + 10])["services"]:
            names.append(s["serviceName"])
            td = ecs.describe_task_definition(taskDefinition=s["taskDefinition"])["taskDefinition"]
            labels = [c.get("dockerLabels", {}).get("org.opencontainers.image.source") for c in td["containerDefinitions"]]
            out["labels"][s["serviceName"]] = labels
    out["services"][arn.rsplit("/", 1)[1]] = sorted(names)
try:
    ecs.list_clusters(nextToken="not-a-token")
    out["bad_token"] = "accepted"
except ecs.exceptions.InvalidParameterException:
    out["bad_token"] = "InvalidParameterException"
out["problems"] = problems
print(json.dumps(out))
