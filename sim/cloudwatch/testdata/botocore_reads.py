"""botocore (smithy-rpc-v2-cbor for CloudWatch) reads the sim's GetMetricData.

Usage: botocore_reads.py ENDPOINT START_EPOCH END_EPOCH LB_DIM TG_DIM
Prints one JSON document: the answer, the paginated answer, and the errors.
"""
import datetime
import json
import os
import shutil
import sys
import tempfile

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

url, start, end, lb, tg = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
session = botocore.session.get_session()
# botocore 1.43 picks the first protocol of its own priority list that the
# model offers, and for CloudWatch (protocols: smithy-rpc-v2-cbor, json,
# query) that is awsJson 1.0. The Go SDK speaks CBOR, so this test makes
# botocore speak it too: the same model, offering only CBOR, on the data path.
model = session.get_component("data_loader").load_service_model("cloudwatch", "service-2")
model["metadata"]["protocols"] = ["smithy-rpc-v2-cbor"]
data = tempfile.mkdtemp()
os.makedirs(os.path.join(data, "cloudwatch", model["metadata"]["apiVersion"]))
with open(os.path.join(data, "cloudwatch", model["metadata"]["apiVersion"], "service-2.json"), "w") as f:
    json.dump(model, f)
session.set_config_variable("data_path", data)
client = session.create_client(
    "cloudwatch", region_name="us-east-1", endpoint_url=url,
    aws_access_key_id="AKIDTEST", aws_secret_access_key="SECRET",
    config=Config(retries={"max_attempts": 1}))


def q(qid, metric, stat, period=60):
    return {"Id": qid, "MetricStat": {"Metric": {
        "Namespace": "AWS/ApplicationELB", "MetricName": metric,
        "Dimensions": [{"Name": "LoadBalancer", "Value": lb}, {"Name": "TargetGroup", "Value": tg}]},
        "Period": period, "Stat": stat}}


def when(t):
    return datetime.datetime.fromtimestamp(t, tz=datetime.timezone.utc)


def plain(resp):
    out = []
    for r in resp["MetricDataResults"]:
        out.append({"Id": r["Id"], "Label": r.get("Label"), "StatusCode": r["StatusCode"],
                    "Timestamps": [ts.timestamp() for ts in r["Timestamps"]],
                    "Values": r["Values"], "Messages": r.get("Messages", [])})
    return out


queries = [q("req", "RequestCount", "Sum"), q("err", "HTTPCode_Target_5XX_Count", "Sum"),
           q("p99", "TargetResponseTime", "p99"), q("avg", "TargetResponseTime", "Average")]
doc = {"protocol": client.meta.service_model.resolved_protocol}
resp = client.get_metric_data(MetricDataQueries=queries, StartTime=when(start), EndTime=when(end),
                              ScanBy="TimestampAscending")
doc["results"] = plain(resp)
doc["messages"] = resp.get("Messages")
doc["request_id"] = resp["ResponseMetadata"].get("RequestId")

pages = client.get_paginator("get_metric_data").paginate(
    MetricDataQueries=queries[:1], StartTime=when(start), EndTime=when(end),
    PaginationConfig={"PageSize": 3})
doc["pages"] = [plain(p) for p in pages]

errors = {}
for name, kwargs in {
    "period": dict(MetricDataQueries=[q("bad", "RequestCount", "Sum", 90)], StartTime=when(start), EndTime=when(end)),
    "stat": dict(MetricDataQueries=[q("bad", "RequestCount", "Median")], StartTime=when(start), EndTime=when(end)),
    "token": dict(MetricDataQueries=queries, StartTime=when(start), EndTime=when(end), NextToken="nope"),
}.items():
    try:
        client.get_metric_data(**kwargs)
        errors[name] = None
    except ClientError as e:
        errors[name] = {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"],
                        "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
doc["errors"] = errors
shutil.rmtree(data)
print(json.dumps(doc))
