package discover

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
)

// credentialsError says what the SDK's default credential chain looked
// at, in its order, and how to set credentials. It reads only whether
// variables are set and files exist, never a value.
func credentialsError(ctx context.Context, err error, o Options) *CredentialsError {
	getenv := o.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	set := func(k string) bool { return getenv(k) != "" }
	var tried []string

	switch {
	case set("AWS_ACCESS_KEY_ID") && !set("AWS_SECRET_ACCESS_KEY"):
		tried = append(tried, "environment: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
	case !set("AWS_ACCESS_KEY_ID") && set("AWS_SECRET_ACCESS_KEY"):
		tried = append(tried, "environment: AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")
	case set("AWS_ACCESS_KEY_ID"):
		tried = append(tried, "environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set (and were refused)")
	default:
		tried = append(tried, "environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
	}

	profile, from := o.Profile, "--profile"
	if profile == "" {
		profile, from = getenv("AWS_PROFILE"), "AWS_PROFILE"
	}
	if profile == "" {
		profile, from = "default", "the default profile"
	}
	home := getenv("HOME")
	cfgFile := fileOr(getenv("AWS_CONFIG_FILE"), home, ".aws/config")
	credFile := fileOr(getenv("AWS_SHARED_CREDENTIALS_FILE"), home, ".aws/credentials")
	tried = append(tried, fmt.Sprintf("shared files: profile %q (%s) in %s (%s) and %s (%s)",
		profile, from, cfgFile, exists(cfgFile), credFile, exists(credFile)))

	sc, perr := config.LoadSharedConfigProfile(ctx, profile, func(lo *config.LoadSharedConfigOptions) {
		lo.ConfigFiles = []string{cfgFile}
		lo.CredentialsFiles = []string{credFile}
	})
	switch {
	case perr != nil:
		tried = append(tried, fmt.Sprintf("SSO, assumed roles, credential_process: none, as profile %q is not in those files", profile))
	case sc.SSOSessionName != "" || sc.SSOStartURL != "":
		tried = append(tried, fmt.Sprintf("SSO: profile %q signs in with IAM Identity Center; its session is missing or expired (aws sso login --profile %s)", profile, profile))
	case sc.RoleARN != "":
		tried = append(tried, fmt.Sprintf("assumed role: profile %q assumes %s, whose source credentials failed", profile, sc.RoleARN))
	case sc.CredentialProcess != "":
		tried = append(tried, fmt.Sprintf("credential_process: profile %q runs one, and it failed", profile))
	default:
		tried = append(tried, fmt.Sprintf("SSO: profile %q has no sso_session or sso_start_url", profile))
	}

	if set("AWS_WEB_IDENTITY_TOKEN_FILE") {
		tried = append(tried, "web identity: AWS_WEB_IDENTITY_TOKEN_FILE is set, and its role was not assumed")
	} else {
		tried = append(tried, "web identity: AWS_WEB_IDENTITY_TOKEN_FILE is not set")
	}
	if set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") || set("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
		tried = append(tried, "container credentials (ECS, EKS Pod Identity): the endpoint is set, and gave none")
	} else {
		tried = append(tried, "container credentials (ECS, EKS Pod Identity): AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI are not set")
	}
	if strings.EqualFold(getenv("AWS_EC2_METADATA_DISABLED"), "true") {
		tried = append(tried, "instance metadata (IMDS): off (AWS_EC2_METADATA_DISABLED=true)")
	} else {
		tried = append(tried, "instance metadata (IMDS): gave none (not on EC2, or no instance role)")
	}
	return &CredentialsError{Err: err, Tried: tried, Fix: []string{
		"aws configure sso, then aws sso login --profile NAME, and pass --profile NAME (or export AWS_PROFILE=NAME)",
		"aws configure (access keys into ~/.aws/credentials)",
		"export AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... (and AWS_SESSION_TOKEN for temporary keys)",
	}}
}

func fileOr(set, home, rel string) string {
	if set != "" {
		return set
	}
	if home == "" {
		return filepath.Join("~", rel)
	}
	return filepath.Join(home, rel)
}

func exists(p string) string {
	if _, err := os.Stat(p); err != nil {
		return "missing"
	}
	return "present"
}
