"""Sends the ELBv2 operations flightdeck uses to the sim with boto3 and
prints what botocore parsed, as JSON. argv: endpoint, listener ARN,
blue target group ARN, green target group ARN."""
import json
import sys

import boto3
import botocore.exceptions

url, listener, blue, green = sys.argv[1:5]
elb = boto3.client("elbv2", region_name="eu-west-1", endpoint_url=url,
                   aws_access_key_id="AKIDTEST", aws_secret_access_key="SECRETTEST")
out = {}
out["load_balancers"] = elb.describe_load_balancers()["LoadBalancers"]
out["listeners"] = elb.describe_listeners(ListenerArns=[listener])["Listeners"]
out["rules"] = elb.describe_rules(ListenerArn=listener)["Rules"]
out["target_groups"] = elb.describe_target_groups(TargetGroupArns=[blue, green])["TargetGroups"]
out["health"] = elb.describe_target_health(TargetGroupArn=blue)["TargetHealthDescriptions"]
fwd = [{"Type": "forward", "ForwardConfig": {
    "TargetGroups": [{"TargetGroupArn": blue, "Weight": 0}, {"TargetGroupArn": green, "Weight": 100}],
    "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 60}}}]
out["modified"] = elb.modify_listener(ListenerArn=listener, DefaultActions=fwd)["Listeners"]
default_rule = [r for r in out["rules"] if r["IsDefault"]][0]["RuleArn"]
out["modified_rule"] = elb.modify_rule(RuleArn=default_rule, Actions=fwd)["Rules"]
errors = {}
for name, call in (
        ("listener", lambda: elb.describe_listeners(ListenerArns=[listener[:-4] + "0000"])),
        ("rule", lambda: elb.describe_rules(RuleArns=[default_rule[:-4] + "0000"])),
        ("target_group", lambda: elb.describe_target_health(TargetGroupArn=blue[:-4] + "0000")),
        ("validation", lambda: elb.modify_listener(ListenerArn=listener, DefaultActions=[{"Type": "forward", "ForwardConfig": {
            "TargetGroups": [{"TargetGroupArn": blue, "Weight": 1000}]}}]))):
    try:
        call()
        errors[name] = None
    except botocore.exceptions.ClientError as e:
        errors[name] = {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"],
                        "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
                        "modeled": type(e).__name__}
out["errors"] = errors
print(json.dumps(out, default=str))
