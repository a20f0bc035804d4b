package board

import (
	"strconv"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/termsafe"
	"github.com/airside-dev/flightdeck/ui/screen"
	"github.com/airside-dev/flightdeck/ui/theme"
)

// driftLabel summarises how far apart a service's environments are: the
// furthest-downstream pair that differs, since that is what a release
// manager promotes next. The host's comparison counts the commits when it
// has one; else the service's pipelines order them as far as they go.
// With compare set (links on), the words link to the host's comparison.
func driftLabel(st theme.Styles, svc *model.ServiceState, compared screen.Comparer, compare func(service, base, head string) string) string {
	envs := svc.Environments
	if len(envs) < 2 {
		return ""
	}
	lineage := svc.Lineage()
	allSync := true
	for i := len(envs) - 1; i > 0; i-- {
		up, down := envs[i-1], envs[i]
		d := model.CompareEnvs(up.Version, down.Version, lineage)
		if compared != nil && d.Kind != model.InSync && d.Kind != model.DriftUnknown {
			if c, ok := compared(svc.Name, down.Version.SHA, up.Version.SHA); ok {
				d = model.DriftFrom(c)
			}
		}
		where := ""
		if i < len(envs)-1 {
			where = " · " + up.Environment
		}
		link := func(text string) string {
			if compare == nil || d.Kind == model.DriftUnknown {
				return text
			}
			return termsafe.Link(compare(svc.Name, down.Version.SHA, up.Version.SHA), text)
		}
		switch d.Kind {
		case model.InSync:
			continue
		case model.Ahead:
			return st.P.Rolling.Wrap("↑") + " " + link(commits(d.Commits)) + where
		case model.Behind:
			return st.P.Warn.Wrap("↓") + " " + link("behind "+commits(d.Commits)) + where
		case model.Differs:
			return st.P.Rolling.Wrap("≠") + " " + link("differs") + where
		default:
			allSync = false
		}
	}
	if !allSync {
		return ""
	}
	return st.P.OK.Wrap("=") + " in sync"
}

func commits(n int) string {
	if n == 1 {
		return "1 commit"
	}
	return strconv.Itoa(n) + " commits"
}
