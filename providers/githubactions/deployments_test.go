package githubactions

import (
	"encoding/json"
	"testing"
)

// A reviewer without "type" (an unusual GitHub Enterprise answer) must
// not take the board down: go-github's RequiredReviewer would panic.
func TestPendingDeploymentDecodesAnyReviewer(t *testing.T) {
	body := `[{"environment":{"id":7,"name":"production"},"wait_timer":0,"current_user_can_approve":true,
		"reviewers":[{"reviewer":{"login":"ada"}},{"type":"Team","reviewer":{"slug":"release"}}]}]`
	var got []PendingDeployment
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got[0].Reviewers) != 2 || got[0].Reviewers[0].Reviewer.Login != "ada" ||
		got[0].Reviewers[1].Type != "Team" || got[0].Reviewers[1].Reviewer.Slug != "release" {
		t.Errorf("decoded %+v", got)
	}
}
