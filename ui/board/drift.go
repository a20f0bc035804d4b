package board

import (
	"strconv"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/termsafe"
	"github.com/airside-dev/flightdeck/ui/format"
	"github.com/airside-dev/flightdeck/ui/screen"
	"github.com/airside-dev/flightdeck/ui/theme"
)

// driftLabel summarises how far apart a service's environments are: the
// furthest-downstream pair that differs, since that is what a release
// manager promotes next. The host's comparison counts the commits when it
// has one; else the service's pipelines order them as far as they go.
// With compare set (links on), the words link to the host's comparison.
func driftLabel(st theme.Styles, svc *model.ServiceState, compared screen.Comparer, compare func(service, base, head string) string) string {
	return drift(st, svc, compared, compare, false)
}

// driftFit is the drift label in at most w-1 cells: the words where they
// fit, else the short form ("↑ 4", "↓ 2", "≠", "= sync"), which a narrow
// board keeps instead of cutting the words.
func driftFit(st theme.Styles, svc *model.ServiceState, compared screen.Comparer, compare func(service, base, head string) string, w int) string {
	if w <= 1 {
		return ""
	}
	if full := drift(st, svc, compared, compare, false); format.Width(full) <= w-1 {
		return full
	}
	return drift(st, svc, compared, compare, true)
}

func drift(st theme.Styles, svc *model.ServiceState, compared screen.Comparer, compare func(service, base, head string) string, short bool) string {
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
		if i < len(envs)-1 && !short {
			where = " · " + up.Environment
		}
		link := func(text string) string {
			if compare == nil || d.Kind == model.DriftUnknown {
				return text
			}
			return termsafe.Link(compare(svc.Name, down.Version.SHA, up.Version.SHA), text)
		}
		switch {
		case d.Kind == model.InSync:
			continue
		case d.Kind == model.Ahead && short:
			return st.P.Rolling.Wrap("↑") + " " + link(strconv.Itoa(d.Commits))
		case d.Kind == model.Behind && short:
			return st.P.Warn.Wrap("↓") + " " + link(strconv.Itoa(d.Commits))
		case d.Kind == model.Differs && short:
			return st.P.Rolling.Wrap("≠")
		case d.Kind == model.Ahead:
			return st.P.Rolling.Wrap("↑") + " " + link(commits(d.Commits)) + where
		case d.Kind == model.Behind:
			return st.P.Warn.Wrap("↓") + " " + link("behind "+commits(d.Commits)) + where
		case d.Kind == model.Differs:
			return st.P.Rolling.Wrap("≠") + " " + link("differs") + where
		default:
			allSync = false
		}
	}
	if !allSync {
		return ""
	}
	if short {
		return st.P.OK.Wrap("=") + " sync"
	}
	return st.P.OK.Wrap("=") + " in sync"
}

func commits(n int) string {
	if n == 1 {
		return "1 commit"
	}
	return strconv.Itoa(n) + " commits"
}
