"""Reads the simulated world's Elastic Beanstalk with boto3 and prints
what it parsed as JSON. botocore validates each request against its
model before sending, and parses each answer with the model's shapes:
a member the sim misnames or mistypes comes back missing or fails here.

Usage: boto3_reads.py ENDPOINT
"""
import json
import sys

import boto3
from botocore.config import Config

eb = boto3.client(
    "elasticbeanstalk",
    endpoint_url=sys.argv[1],
    region_name="us-east-1",
    aws_access_key_id="sim",
    aws_secret_access_key="sim",
    config=Config(retries={"max_attempts": 1}),
)
out = {}
envs = eb.describe_environments(ApplicationName="shop", EnvironmentNames=["shop-staging", "shop-blue", "shop-green"], IncludeDeleted=False)
out["environments"] = envs["Environments"]
out["health"] = eb.describe_environment_health(EnvironmentName="shop-staging", AttributeNames=["All"])
out["events"] = eb.describe_events(ApplicationName="shop", EnvironmentName="shop-blue", MaxRecords=5)["Events"]
since = out["events"][-1]["EventDate"]
out["events_since"] = eb.describe_events(ApplicationName="shop", EnvironmentName="shop-blue", StartTime=since, MaxRecords=100)["Events"]
cfg = eb.describe_configuration_settings(ApplicationName="shop", EnvironmentName="shop-blue")
out["config"] = cfg["ConfigurationSettings"]
out["instances"] = eb.describe_instances_health(EnvironmentName="shop-blue", AttributeNames=["All"])
out["apps"] = eb.describe_applications(ApplicationNames=["shop"])["Applications"]
out["created_app"] = eb.create_application(ApplicationName="boto3-app")["Application"]
out["created_env"] = eb.create_environment(ApplicationName="boto3-app", EnvironmentName="boto3-env",
                                           SolutionStackName="64bit Amazon Linux 2023 v4.3.0 running Docker",
                                           OptionSettings=[{"Namespace": "aws:elasticbeanstalk:command",
                                                            "OptionName": "DeploymentPolicy", "Value": "TrafficSplitting"}])
out["versions"] = eb.describe_application_versions(ApplicationName="shop", MaxRecords=3)["ApplicationVersions"]
staging = [e for e in envs["Environments"] if e["EnvironmentName"] == "shop-staging"][0]
older = [v for v in out["versions"] if v["VersionLabel"] != staging["VersionLabel"]][0]
out["update"] = eb.update_environment(EnvironmentName="shop-staging", VersionLabel=older["VersionLabel"])
eb.abort_environment_update(EnvironmentName="shop-staging")
out["created"] = eb.create_application_version(
    ApplicationName="shop", VersionLabel="shop-boto3", Description="from boto3",
    SourceBundle={"S3Bucket": "b", "S3Key": "k.zip"})["ApplicationVersion"]
eb.swap_environment_cnames(SourceEnvironmentName="shop-blue", DestinationEnvironmentName="shop-green")
try:
    eb.describe_environment_health(EnvironmentName="nope")
except eb.exceptions.ClientError as e:
    out["error"] = {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"],
                    "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
print(json.dumps(out, default=str))
