package elbv2

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// A listener that authenticates with OIDC before it forwards: its actions
// are written back with UseExistingClientSecret, since the describe calls
// never return the secret.
func TestKeepSecrets(t *testing.T) {
	oidc := &types.AuthenticateOidcActionConfig{Issuer: aws.String("https://idp.example"), ClientId: aws.String("fd")}
	actions := []types.Action{{Type: types.ActionTypeEnumAuthenticateOidc, AuthenticateOidcConfig: oidc}, {Type: types.ActionTypeEnumForward}}
	keepSecrets(actions)
	if got := actions[0].AuthenticateOidcConfig; !aws.ToBool(got.UseExistingClientSecret) || got.ClientSecret != nil {
		t.Errorf("written back: %+v", got)
	}
	if oidc.UseExistingClientSecret != nil {
		t.Error("the read action was changed in place")
	}
}
