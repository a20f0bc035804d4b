package providers

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/model"
)

// compares answers Compare from a table of base...head.
type compares map[string]model.Comparison

func (c compares) Commit(context.Context, string, string) (model.Commit, error) {
	return model.Commit{}, ErrNotFound
}

func (c compares) Compare(_ context.Context, _, base, head string) (model.Comparison, error) {
	if cmp, ok := c[base+"..."+head]; ok {
		return cmp, nil
	}
	return model.Comparison{}, errors.New("no route to host")
}

func TestShipNote(t *testing.T) {
	subjects := func(s ...string) []model.Commit {
		var out []model.Commit
		for _, x := range s {
			out = append(out, model.Commit{Subject: x})
		}
		return out
	}
	lr := compares{
		"aaaaaaa...bbbbbbb": {Status: model.CompareAhead, AheadBy: 2, Commits: subjects("Two", "One")},
		"bbbbbbb...aaaaaaa": {Status: model.CompareBehind, BehindBy: 2},
		"ccccccc...bbbbbbb": {Status: model.CompareDiverged, AheadBy: 1, BehindBy: 3, Commits: subjects("Hotfix")},
		"bbbbbbb...ddddddd": {Status: model.CompareAhead, AheadBy: 5, Commits: subjects("5", "4", "3", "2", "1")},
	}
	act := func(kind model.ActionKind, from, to string) model.Action {
		return model.Action{Kind: kind, Environment: "production", From: model.Version{SHA: from}, To: model.Version{SHA: to}}
	}
	for _, c := range []struct {
		a    model.Action
		want string
	}{
		{act(model.ActionPromote, "aaaaaaa", "bbbbbbb"), `will ship 2 commits: "Two", "One"`},
		{act(model.ActionApprove, "aaaaaaa", "bbbbbbb"), `will ship 2 commits: "Two", "One"`},
		{act(model.ActionRollback, "bbbbbbb", "aaaaaaa"), `will revert 2 commits: "Two", "One"`},
		{act(model.ActionApprove, "ccccccc", "bbbbbbb"), `will ship 1 commit: "Hotfix"; and drop 3 commits that production runs now`},
		{act(model.ActionPromote, "bbbbbbb", "ddddddd"), `will ship 5 commits: "5", "4", "3", … and 2 more`},
		{act(model.ActionReject, "aaaaaaa", "bbbbbbb"), ""},                              // changes nothing that runs
		{act(model.ActionPromote, "aaaaaaa", "aaaaaaa"), ""},                             // the same commit
		{act(model.ActionPromote, "eeeeeee", "bbbbbbb"), ""},                             // the host cannot say
		{act(model.ActionRollback, "ddddddd", "bbbbbbb"), ""},                            // the host cannot say either way
		{model.Action{Kind: model.ActionPromote, To: model.Version{SHA: "bbbbbbb"}}, ""}, // nothing runs yet
	} {
		if got := ShipNote(context.Background(), lr, "acme/api", c.a, time.Second); got != c.want {
			t.Errorf("%s %s → %s: %q, want %q", c.a.Kind, c.a.From.SHA, c.a.To.SHA, got, c.want)
		}
	}
	if got := ShipNote(context.Background(), nil, "", act(model.ActionPromote, "aaaaaaa", "bbbbbbb"), time.Second); got != "" {
		t.Errorf("no host: %q", got)
	}
}
