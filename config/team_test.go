package config

import "testing"

const anaKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOFqtMjMbxV7GuPDVJWGNtmOFIK1QZSoUG26+whEjHRZ ana@laptop"
const liKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFYhEfaNb+acVrmBs+JmrBMKLPpRZrTCXAVrgy7GX4on"

func TestTeamParses(t *testing.T) {
	src := `services:
  - name: api
    environments:
      - name: production
        approvers: [ana]
        ecs: { cluster: prod, service: api }
team:
  users:
    - { name: ana, role: approver, keys: ["` + anaKey + `"] }
    - name: li
      role: viewer
      keys:
        - ` + liKey + `
`
	cfg, err := Parse([]byte(src), "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Team.Users) != 2 || cfg.Team.Users[1].Role != RoleViewer || cfg.Services[0].Environments[0].Approvers[0] != "ana" {
		t.Fatalf("team: %+v", cfg.Team)
	}
}

func TestTeamProblems(t *testing.T) {
	src := `services:
  - name: api
    environments:
      - name: production
        approvers: [ana, li, bo]
        ecs: { cluster: prod, service: api }
team:
  users:
    - name: ana
      role: approvr
      keys:
        - ` + anaKey + `
        - ssh-ed25519 AAAAnotakey
        - 'from="10.0.0.0/8",restrict ` + liKey + `'
    - name: li
      role: viewer
      keys: ["` + anaKey + `"]
    - name: ana
      keys: []
`
	checkProblems(t, problems(t, src), []want{
		{"team.users[0].role", 10, 0, `unknown role "approvr" (did you mean "approver"?)`},
		{"team.users[0].keys[1]", 13, 0, "is not an SSH public key"},
		{"team.users[0].keys[2]", 14, 0, "has authorized_keys options (from, restrict) that flightdeck serve does not honour"},
		{"team.users[1].keys[0]", 17, 0, "is ana's already"},
		{"team.users[2].name", 18, 0, `duplicate user name "ana"`},
		{"team.users[2].role", 18, 0, `missing required key "role"`},
		{"team.users[2].keys", 19, 0, "no keys"},
		{"services[0].environments[0].approvers[1]", 5, 0, `approver "li" is a viewer`},
		{"services[0].environments[0].approvers[2]", 5, 0, `approver "bo" is not in team.users`},
	})
}

func TestApproversNeedATeam(t *testing.T) {
	src := `services:
  - name: api
    environments:
      - name: production
        approvers: [ana]
        ecs: { cluster: prod, service: api }
`
	checkProblems(t, problems(t, src), []want{{"services[0].environments[0].approvers[0]", 5, 0, "needs a team block"}})
}
