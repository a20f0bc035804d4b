package githubactions

import (
	"context"
	"maps"
	"sync"
)

// pending is what the requests of one piece of work read through the ETag
// cache, held back until that work has read them:
//
//   - a fresh 200 enters the cache only on commit, so an answer flightdeck
//     could not decode or map never enters it (nor the file it is saved
//     to), and so is never replayed;
//   - a cached answer replayed after a 304 is dropped on discard, so one
//     that no longer reads is asked for unconditionally next time instead
//     of being replayed again.
//
// Client.do opens one for each call and commits it once go-github has
// decoded the answer. Fetch opens one per service, under which the calls
// for that service commit, and commits it once the service's answers have
// mapped cleanly. The transport caches only requests made under one.
type pending struct {
	cache *etagCache
	outer *pending // nil: commit stores into the cache

	mu       sync.Mutex
	fresh    map[string]*entry
	replayed []*entry
}

// begin opens a ledger whose commit goes to outer, or to the cache when
// outer is nil. Without a cache there is nothing to hold: nil.
func (c *etagCache) begin(outer *pending) *pending {
	if c == nil {
		return nil
	}
	return &pending{cache: c, outer: outer, fresh: map[string]*entry{}}
}

type pendingKey struct{}

// withPending has the requests made under ctx report to p.
func withPending(ctx context.Context, p *pending) context.Context {
	if p == nil {
		return ctx
	}
	return context.WithValue(ctx, pendingKey{}, p)
}

// pendingOf is the ledger a request reports to, or nil.
func pendingOf(ctx context.Context) *pending {
	p, _ := ctx.Value(pendingKey{}).(*pending)
	return p
}

// add holds a fresh answer until commit.
func (p *pending) add(e *entry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fresh[e.Key] = e
}

// replay notes a cached answer handed out again after a 304.
func (p *pending) replay(e *entry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.replayed = append(p.replayed, e)
}

// take empties the ledger and returns what it held.
func (p *pending) take() (map[string]*entry, []*entry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fresh, replayed := p.fresh, p.replayed
	p.fresh, p.replayed = map[string]*entry{}, nil
	return fresh, replayed
}

// commit vouches for what the work read: the fresh answers are stored (or
// handed on to the outer ledger, which vouches in its turn).
func (p *pending) commit() {
	if p == nil {
		return
	}
	fresh, replayed := p.take()
	if p.outer != nil {
		p.outer.mu.Lock()
		defer p.outer.mu.Unlock()
		maps.Copy(p.outer.fresh, fresh)
		p.outer.replayed = append(p.outer.replayed, replayed...)
		return
	}
	for _, e := range fresh {
		p.cache.store(e)
	}
}

// discard says the work could not read what it got: the fresh answers are
// forgotten and the replayed ones dropped from the cache. An older entry a
// fresh answer would have replaced stays: it read well when it came.
func (p *pending) discard() {
	if p == nil {
		return
	}
	_, replayed := p.take()
	for _, e := range replayed {
		p.cache.dropIf(e)
	}
}
