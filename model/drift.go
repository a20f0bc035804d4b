package model

// DriftKind says how two neighbouring environments relate.
type DriftKind int

const (
	// DriftUnknown: one side has no version yet (not fetched, or failing).
	DriftUnknown DriftKind = iota
	// InSync: both run the same commit.
	InSync
	// Ahead: the upstream environment (earlier in promotion order) runs a
	// different, newer commit than the downstream one.
	Ahead
	// Behind: the downstream runs a commit the upstream has not got, as
	// after a hotfix deployed straight to production.
	Behind
	// Differs: the commits differ and flightdeck cannot tell which is newer.
	Differs
)

// Drift compares an environment with the next one in promotion order.
// Commits is how many commits separate them, or -1 when unknown.
type Drift struct {
	Kind    DriftKind
	Commits int
}

// Lineage orders commits, newest first, as far as flightdeck knows them
// (from CI pipelines now, from the GitHub compare API once a repo is set).
type Lineage []string

// index finds sha in the lineage, allowing abbreviated SHAs on either side.
func (l Lineage) index(sha string) int {
	for i, c := range l {
		if SameCommit(c, sha) {
			return i
		}
	}
	return -1
}

// CompareEnvs reports the drift from upstream to downstream. With a lineage
// that holds both SHAs, it counts the commits between them.
func CompareEnvs(upstream, downstream Version, lineage Lineage) Drift {
	if upstream.SHA == "" || downstream.SHA == "" {
		// Without commits, only the same image proves the same build: a
		// revision name like api:42 can mean different things in two accounts.
		if upstream.Artifact != "" && upstream.Artifact == downstream.Artifact {
			return Drift{Kind: InSync}
		}
		return Drift{Kind: DriftUnknown, Commits: -1}
	}
	if SameCommit(upstream.SHA, downstream.SHA) {
		return Drift{Kind: InSync}
	}
	up, down := lineage.index(upstream.SHA), lineage.index(downstream.SHA)
	switch {
	case up >= 0 && down >= 0 && up < down:
		return Drift{Kind: Ahead, Commits: down - up}
	case up >= 0 && down >= 0:
		return Drift{Kind: Behind, Commits: up - down}
	default:
		return Drift{Kind: Differs, Commits: -1}
	}
}

// DriftFrom is the drift the repository host tells by comparing the
// downstream environment's commit (base) with the upstream's (head): its
// own count of the commits between them, which needs no pipeline history.
func DriftFrom(c Comparison) Drift {
	switch c.Status {
	case CompareIdentical:
		return Drift{Kind: InSync}
	case CompareAhead:
		return Drift{Kind: Ahead, Commits: c.AheadBy}
	case CompareBehind:
		return Drift{Kind: Behind, Commits: c.BehindBy}
	}
	return Drift{Kind: Differs, Commits: -1}
}

// String is the drift's word in JSON: in_sync, ahead, behind, differs,
// unknown.
func (k DriftKind) String() string {
	switch k {
	case InSync:
		return "in_sync"
	case Ahead:
		return "ahead"
	case Behind:
		return "behind"
	case Differs:
		return "differs"
	}
	return "unknown"
}

// EnvDrift is the drift between two neighbouring environments of a
// service, upstream first in promotion order, as status reports it.
type EnvDrift struct {
	Upstream   string `json:"upstream"`
	Downstream string `json:"downstream"`
	// State is the DriftKind's word: in_sync, ahead (upstream runs newer
	// commits), behind, differs, unknown.
	State string `json:"state"`
	// Commits separate them; -1 when unknown (and 0 in sync).
	Commits int `json:"commits"`
}

// ServiceDrift compares each pair of neighbouring environments, as the
// board's drift column does: by the service's pipelines' lineage, or by
// the repository host's comparison of the downstream commit (base) with
// the upstream one (head) when compared has one.
func ServiceDrift(svc *ServiceState, compared func(base, head string) (Comparison, bool)) []EnvDrift {
	if len(svc.Environments) < 2 {
		return nil
	}
	lineage := svc.Lineage()
	out := make([]EnvDrift, 0, len(svc.Environments)-1)
	for i := 1; i < len(svc.Environments); i++ {
		up, down := svc.Environments[i-1], svc.Environments[i]
		d := CompareEnvs(up.Version, down.Version, lineage)
		if compared != nil && d.Kind != InSync && d.Kind != DriftUnknown {
			if c, ok := compared(down.Version.SHA, up.Version.SHA); ok {
				d = DriftFrom(c)
			}
		}
		if d.Kind == InSync {
			d.Commits = 0
		}
		out = append(out, EnvDrift{Upstream: up.Environment, Downstream: down.Environment, State: d.Kind.String(), Commits: d.Commits})
	}
	return out
}
