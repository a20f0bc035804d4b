package config

import (
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

var roles = []string{RoleViewer, RoleApprover}

// team checks the team block and every environment's approvers: names
// present, printable and unique; each key a public key in authorized_keys
// form (a malformed one is reported at its own line) and held by one
// person only; a known role; approvers that name team members who may act.
func (c checker) team(cfg *Config) {
	byName := map[string]string{}
	if t := cfg.Team; t != nil && !c.reported("team") {
		if len(t.Users) == 0 && !c.reported("team.users") {
			c.addf("team.users", c.at("team.users"), "no users; `flightdeck serve` would let nobody in")
		}
		first := map[string]int{}
		keyOwner := map[string]string{}
		for i, u := range t.Users {
			path := fmt.Sprintf("team.users[%d]", i)
			if c.reported(path) {
				continue
			}
			c.require(path, "name", u.Name)
			c.printableName(path, "user", u.Name)
			c.unique(first, path, "user", u.Name)
			if strings.ContainsAny(u.Name, " \t") {
				p := joinPath(path, "name")
				c.addf(p, c.valueAt(p), "user name %q holds a space; use one word (it names them in the audit log)", u.Name)
			}
			switch {
			case u.Role == "" && !c.reported(joinPath(path, "role")):
				c.addf(joinPath(path, "role"), c.at(path), "missing required key \"role\": %s", strings.Join(roles, " or "))
			case u.Role != "" && u.Role != RoleViewer && u.Role != RoleApprover:
				p := joinPath(path, "role")
				hint := ""
				if sug := suggest(u.Role, roles); sug != "" {
					hint = fmt.Sprintf(" (did you mean %q?)", sug)
				}
				c.addf(p, c.valueAt(p), "unknown role %q%s; allowed: %s", u.Role, hint, strings.Join(roles, ", "))
			}
			if u.Name != "" {
				byName[u.Name] = u.Role
			}
			kp := joinPath(path, "keys")
			if len(u.Keys) == 0 && !c.reported(kp) {
				c.addf(kp, c.at(kp), "no keys; %s could never sign in", printable(u.Name))
			}
			for j, k := range u.Keys {
				p := fmt.Sprintf("%s[%d]", kp, j)
				if c.reported(p) {
					continue
				}
				pk, _, opts, rest, err := ssh.ParseAuthorizedKey([]byte(k))
				if err != nil || strings.TrimSpace(string(rest)) != "" {
					c.addf(p, c.valueAt(p), "is not an SSH public key (write it as in authorized_keys: \"ssh-ed25519 AAAA… comment\")")
					continue
				}
				if len(opts) > 0 {
					c.addf(p, c.valueAt(p), "%s", KeyOptionsProblem(opts))
					continue
				}
				fp := ssh.FingerprintSHA256(pk)
				if other, dup := keyOwner[fp]; dup {
					c.addf(p, c.valueAt(p), "the key %s is %s's already; one key names one person", fp, printable(other))
					continue
				}
				keyOwner[fp] = u.Name
			}
		}
	}
	for i, s := range cfg.Services {
		for j, e := range s.Environments {
			for k, name := range e.Approvers {
				p := fmt.Sprintf("services[%d].environments[%d].approvers[%d]", i, j, k)
				role, known := byName[name]
				switch {
				case cfg.Team == nil:
					c.addf(p, c.valueAt(p), "approver %q needs a team block (team.users) naming them", printable(name))
				case !known:
					c.addf(p, c.valueAt(p), "approver %q is not in team.users", printable(name))
				case role == RoleViewer:
					c.addf(p, c.valueAt(p), "approver %q is a viewer in team.users; make them an approver or leave them out", printable(name))
				}
			}
		}
	}
}

// KeyOptionsProblem says why a team key written with authorized_keys
// options (from=, expiry-time=, restrict, command=, …) is refused:
// flightdeck serve would not honour them, so accepting one would ignore
// it silently.
func KeyOptionsProblem(opts []string) string {
	names := make([]string, len(opts))
	for i, o := range opts {
		name, _, _ := strings.Cut(o, "=")
		names[i] = printable(name)
	}
	return fmt.Sprintf("has authorized_keys options (%s) that flightdeck serve does not honour; list the bare key (\"ssh-ed25519 AAAA… comment\") and restrict access another way", strings.Join(names, ", "))
}
