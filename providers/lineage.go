package providers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/airside-dev/flightdeck/model"
)

// ShipNote says, commit by commit, what an action that changes what an
// environment runs will change: "will ship 4 commits: …" for a promotion
// or an approval, "will revert 3 commits: …" for a rollback. It is "" when
// the action changes no commit or the host cannot say within timeout:
// the confirmation then goes without it.
func ShipNote(ctx context.Context, lr LineageReader, repo string, a model.Action, timeout time.Duration) string {
	switch a.Kind {
	case model.ActionRollback, model.ActionPromote, model.ActionApprove:
	default:
		return ""
	}
	from, to := a.From.SHA, a.To.SHA
	if lr == nil || repo == "" || from == "" || to == "" || model.SameCommit(from, to) {
		return ""
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmp, err := lr.Compare(cctx, repo, from, to)
	if err != nil {
		return ""
	}
	verb, n, list := "ship", cmp.AheadBy, cmp.Commits
	if cmp.AheadBy == 0 && cmp.BehindBy > 0 {
		// Going back: what leaves is what the running commit has over the
		// target.
		back, err := lr.Compare(cctx, repo, to, from)
		if err != nil {
			return "will revert " + plural(cmp.BehindBy, "commit")
		}
		verb, n, list = "revert", back.AheadBy, back.Commits
	}
	if n == 0 {
		return ""
	}
	note := "will " + verb + " " + plural(n, "commit") + ": " + subjectsList(list, 3)
	if verb == "ship" && cmp.BehindBy > 0 {
		// Diverged (a hotfix branch): what runs now has commits the
		// target lacks, and they go.
		note += "; and drop " + plural(cmp.BehindBy, "commit") + " that " + a.Environment + " runs now"
	}
	return note
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// subjectsList names up to limit commits by subject, "… and N more" after.
func subjectsList(cs []model.Commit, limit int) string {
	var parts []string
	for i, c := range cs {
		if i == limit {
			parts = append(parts, fmt.Sprintf("… and %d more", len(cs)-limit))
			break
		}
		parts = append(parts, `"`+c.Subject+`"`)
	}
	return strings.Join(parts, ", ")
}
