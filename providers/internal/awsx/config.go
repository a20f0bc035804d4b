package awsx

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"

	"github.com/airside-dev/flightdeck/model"
)

// Options select the account, region and endpoint of one AWS client.
// Region, Profile and EndpointURL follow the AWS conventions: empty means
// "let the default chain decide" (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL
// and the service's own AWS_ENDPOINT_URL_<SERVICE>).
type Options struct {
	Region, Profile, EndpointURL string
	// Anonymous sends unsigned requests (aws.AnonymousCredentials), for the
	// simulator. moto needs signed requests: use Credentials there.
	Anonymous bool
	// Credentials, when set, replaces the default credential chain (tests
	// pass static keys for moto).
	Credentials aws.CredentialsProvider
	// Logger receives the SDK's own warnings. nil discards them: the SDK
	// would otherwise write to stderr, under the TUI's screen.
	Logger logging.Logger
}

// Load is the AWS configuration for o: the default chain with o laid over
// it, the SDK retrying once and quickly, and every credential it resolves
// registered with package secret. The error is classified (an expired SSO
// session is ErrAuth with the login hint). The region may come back empty;
// the caller says which environments lack one.
func Load(ctx context.Context, o Options) (aws.Config, error) {
	loads := []func(*config.LoadOptions) error{
		// The poller backs off by itself; the SDK retries once, quickly, and
		// without its client-side retry quota (which would turn a long
		// throttling spell into "retry quota exceeded" errors).
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = 2
				so.MaxBackoff = time.Second
				so.RateLimiter = ratelimit.None
			})
		}),
	}
	logger := o.Logger
	if logger == nil {
		logger = logging.Nop{}
	}
	loads = append(loads, config.WithLogger(logger))
	if o.Region != "" {
		loads = append(loads, config.WithRegion(o.Region))
	}
	if o.Profile != "" {
		loads = append(loads, config.WithSharedConfigProfile(o.Profile))
	}
	if o.EndpointURL != "" {
		loads = append(loads, config.WithBaseEndpoint(o.EndpointURL))
	}
	switch {
	case o.Credentials != nil:
		loads = append(loads, config.WithCredentialsProvider(o.Credentials))
	case o.Anonymous:
		loads = append(loads, config.WithCredentialsProvider(aws.AnonymousCredentials{}))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loads...)
	if err != nil {
		return cfg, Classify(err, o.Profile, time.Now(), nil)
	}
	if cfg.Credentials != nil {
		cfg.Credentials = secretCredentials{cfg.Credentials}
	}
	return cfg, nil
}

// SourceName is "aws <region>" or "aws <profile>@<region>", followed by
// " via <host:port>" when an endpoint is set and " (anonymous)" for unsigned
// requests: every setting that makes two sources differ shows in the name,
// since the health of sources with one name is one. prefix names the
// service where one account and region has sources of several ("aws", or
// "beanstalk").
func SourceName(prefix, region string, o Options) string {
	name := prefix + " " + region
	if o.Profile != "" {
		name = prefix + " " + o.Profile + "@" + region
	}
	if o.EndpointURL != "" {
		name += " via " + endpointHost(o.EndpointURL)
	}
	if o.Anonymous && o.Credentials == nil {
		name += " (anonymous)"
	}
	return name
}

// endpointHost is an endpoint URL's host:port (the scheme's port when the
// URL names none), plus its path if it has one; the URL as given when it
// has no host.
func endpointHost(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return endpoint
	}
	host := u.Host
	if u.Port() == "" {
		switch strings.ToLower(u.Scheme) {
		case "http":
			host = net.JoinHostPort(u.Hostname(), "80")
		case "https":
			host = net.JoinHostPort(u.Hostname(), "443")
		}
	}
	if p := strings.TrimRight(u.EscapedPath(), "/"); p != "" {
		host += p
	}
	return host
}

// LoadFor is Load for a backend's environments, failing with the
// backend's name and theirs when the configuration cannot be loaded or
// names no region.
func LoadFor(ctx context.Context, backend string, o Options, envs []model.EnvKey) (aws.Config, error) {
	names := "(no environments)"
	if len(envs) > 0 {
		keys := make([]string, len(envs))
		for i, k := range envs {
			keys[i] = k.Service + "/" + k.Environment
		}
		names = "environment(s) " + strings.Join(keys, ", ")
	}
	cfg, err := Load(ctx, o)
	if err != nil {
		return cfg, fmt.Errorf("%s: load AWS config for %s: %w", backend, names, err)
	}
	if cfg.Region == "" {
		return cfg, fmt.Errorf("%s: no AWS region for %s: set aws.region in the config, AWS_REGION, or a region in the profile", backend, names)
	}
	return cfg, nil
}

// HTTPClient is the client a service client sends with: the test's own
// when given, else the SDK's default, with BodyWithoutWriteTo around it.
// Set on the service's options rather than on the config: LoadDefaultConfig
// would try to add AWS_CA_BUNDLE to it and refuse a plain *http.Client.
func HTTPClient(override *http.Client, sdkDefault aws.HTTPClient) aws.HTTPClient {
	if override != nil {
		sdkDefault = override
	}
	return BodyWithoutWriteTo{Inner: sdkDefault}
}
