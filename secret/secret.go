// Package secret is the one scrubber of flightdeck: it knows every
// credential in play (CircleCI and GitHub tokens, AWS keys and session
// tokens as the SDK resolves them, tokens found in the environment) and
// removes them, whole or in part, from any text before it is written
// anywhere: the screen, stdout, stderr, JSON and the audit log.
//
// Credentials are registered where they are found (a token's constructor,
// the AWS credentials provider), so a new output path needs no list of
// its own: it calls Scrub, or writes through a writer that does.
package secret

import (
	"encoding/binary"
	"strings"
	"sync"
)

// Mask replaces what Scrub removes.
const Mask = "[redacted]"

// Fragment is the length of the shortest piece of a secret that Scrub
// recognises on its own: a cut error message may keep only the start of a
// token, and a server may echo part of one. Shorter pieces are left: they
// would match ordinary words, and carry too little of a secret to use.
const Fragment = 8

// Env lists the environment variables whose values are credentials: every
// token flightdeck or the AWS SDK may read.
var Env = []string{
	"GH_TOKEN", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN",
	"CIRCLECI_TOKEN", "CIRCLECI_CLI_TOKEN", "CIRCLE_TOKEN",
	"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID",
}

// ref is where one Fragment-long piece occurs inside a known secret.
type ref struct {
	secret int // index in registry.values
	off    int
}

// registry holds every secret and an index of its pieces. Registration is
// rare (a few times a run); Scrub runs on every text written, so readers
// share a lock.
type registry struct {
	mu     sync.RWMutex
	values []string
	known  map[string]bool
	pieces map[uint64][]ref
	// seen has a bit set for every piece's hash: most positions of a text
	// are ruled out by one bit test instead of a map lookup.
	seen [1 << 16 / 64]uint64
}

var reg = &registry{known: map[string]bool{}, pieces: map[uint64][]ref{}}

// Register makes values secret for the rest of the process. Values shorter
// than Fragment are ignored: scrubbing them would mangle ordinary words
// (and no real credential is that short).
func Register(values ...string) {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	for _, v := range values {
		v = strings.TrimSpace(v)
		if len(v) < Fragment || reg.known[v] {
			continue
		}
		reg.known[v] = true
		idx := len(reg.values)
		reg.values = append(reg.values, v)
		for off := 0; off+Fragment <= len(v); off++ {
			k := key(v[off:])
			reg.pieces[k] = append(reg.pieces[k], ref{idx, off})
			h := hash(k)
			reg.seen[h/64] |= 1 << (h % 64)
		}
	}
}

// RegisterEnv registers the credentials found in the environment (Env).
func RegisterEnv(getenv func(string) string) {
	for _, k := range Env {
		Register(getenv(k))
	}
}

// key packs the first Fragment bytes of s.
func key(s string) uint64 { return binary.LittleEndian.Uint64([]byte(s[:Fragment])) }

// hash spreads a key over the 16 bits of the seen filter.
func hash(k uint64) uint64 { return (k * 0x9E3779B97F4A7C15) >> 48 }

// Scrub returns s with every secret, and every piece of one at least
// Fragment bytes long, replaced by Mask. It allocates only when it finds
// something.
func Scrub(s string) string {
	if len(s) < Fragment {
		return s
	}
	reg.mu.RLock()
	defer reg.mu.RUnlock()
	if len(reg.values) == 0 {
		return s
	}
	var b strings.Builder
	done := 0 // s[:done] is written to b or known clean
	for i := 0; i+Fragment <= len(s); {
		n := reg.longest(s, i)
		if n == 0 {
			i++
			continue
		}
		if b.Len() == 0 && done == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[done:i])
		b.WriteString(Mask)
		i += n
		done = i
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

// longest is the length of the longest piece of a secret that starts at
// s[i:], or 0 when none of Fragment bytes does.
func (r *registry) longest(s string, i int) int {
	k := key(s[i:])
	if h := hash(k); r.seen[h/64]&(1<<(h%64)) == 0 {
		return 0
	}
	refs, ok := r.pieces[k]
	if !ok {
		return 0
	}
	best := 0
	for _, p := range refs {
		v := r.values[p.secret][p.off:]
		n := Fragment
		for n < len(v) && i+n < len(s) && s[i+n] == v[n] {
			n++
		}
		best = max(best, n)
	}
	return best
}

// Known reports whether any secret is registered (for tests and the
// cost-free path of callers that format text only to scrub it).
func Known() bool {
	reg.mu.RLock()
	defer reg.mu.RUnlock()
	return len(reg.values) > 0
}
