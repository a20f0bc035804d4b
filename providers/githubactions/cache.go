package githubactions

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// CacheFile is the name of the persisted ETag cache inside the cache
// directory (config.CacheDir: $XDG_CACHE_HOME/flightdeck, else
// ~/.cache/flightdeck).
const CacheFile = "github-etags.json.gz"

// Cache bounds. Entries are answers to GETs; the biggest flightdeck reads
// are run lists and job lists (tens of KB each on github.com).
const (
	DefaultCacheBytes = 16 << 20 // total bodies kept
	maxEntries        = 2000
	maxEntryBytes     = 1 << 20 // a bigger answer is passed through, not kept
	cacheVersion      = 1
)

// storedHeaders are the response headers a cached answer keeps: what
// go-github reads off a 200 (Link for pages) and what revalidation needs.
// Nothing else is written down, so nothing about the request (its
// Authorization above all) or the session ever reaches the disk.
var storedHeaders = []string{"Content-Type", "Link", "ETag", "Last-Modified", "X-GitHub-Media-Type"}

// entry is one cached answer.
type entry struct {
	Key    string      `json:"key"`
	ETag   string      `json:"etag"`
	Header http.Header `json:"header"`
	Body   []byte      `json:"body"`
	Used   time.Time   `json:"used"`
}

// etagCache holds the last 200 answer to each GET with its ETag, bounded
// in entries and bytes (least recently used go first), and persisted to
// one gzip'd JSON file written atomically (temporary file, fsync, rename)
// when Save finds it changed.
type etagCache struct {
	// saving serialises Saves, so that a later snapshot never lands
	// before an earlier one (a poll's save and the exit's may overlap).
	saving   sync.Mutex
	mu       sync.Mutex
	entries  map[string]*entry
	size     int
	maxBytes int
	dirty    bool
	path     string // "" keeps it in memory only
	now      func() time.Time
}

func newETagCache(dir string, maxBytes int, now func() time.Time) *etagCache {
	if maxBytes <= 0 {
		maxBytes = DefaultCacheBytes
	}
	c := &etagCache{entries: map[string]*entry{}, maxBytes: maxBytes, now: now}
	if dir != "" {
		c.path = filepath.Join(dir, CacheFile)
		c.load()
	}
	return c
}

// cacheKey names a GET by everything its answer varies on: the URL, the
// media type asked for, and who asked. The token enters only as a short
// salted hash, so the file says nothing usable about it, while an answer
// cached for one token is never offered to another (GitHub's ETags differ
// per token anyway: Vary: Authorization).
func cacheKey(r *http.Request) string {
	who := sha256.Sum256([]byte("flightdeck etag\x00" + r.Header.Get("Authorization")))
	return r.URL.String() + " " + r.Header.Get("Accept") + " " + hex.EncodeToString(who[:8])
}

// cacheable reports whether a request may be answered from the cache: a
// plain GET that carries no validator or range of its own.
func cacheable(r *http.Request) bool {
	return r.Method == http.MethodGet && r.Header.Get("If-None-Match") == "" &&
		r.Header.Get("If-Modified-Since") == "" && r.Header.Get("Range") == ""
}

func (c *etagCache) get(key string) *entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries[key]
}

// touch marks an entry used. It does not make the cache dirty: losing the
// order of use on a crash costs nothing.
func (c *etagCache) touch(e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.Used = c.now()
}

func (c *etagCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		c.size -= len(e.Body)
		delete(c.entries, key)
		c.dirty = true
	}
}

// dropIf drops a replayed entry, unless a newer answer has replaced it
// meanwhile.
func (c *etagCache) dropIf(e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries[e.Key] == e {
		c.size -= len(e.Body)
		delete(c.entries, e.Key)
		c.dirty = true
	}
}

// newEntry is what a 200 would be kept as, or nil when it cannot be kept:
// no ETag, too big, or marked no-store.
func newEntry(key string, h http.Header, body []byte) *entry {
	etag := h.Get("ETag")
	if etag == "" || len(body) > maxEntryBytes || strings.Contains(h.Get("Cache-Control"), "no-store") {
		return nil
	}
	e := &entry{Key: key, ETag: etag, Header: http.Header{}, Body: body}
	for _, k := range storedHeaders {
		if v := h.Values(k); len(v) > 0 {
			e.Header[http.CanonicalHeaderKey(k)] = slices.Clone(v)
		}
	}
	return e
}

// put stores an answer, unless it has no ETag or is too big to keep; an
// older copy then goes.
func (c *etagCache) put(key string, h http.Header, body []byte) {
	if e := newEntry(key, h, body); e != nil {
		c.store(e)
	} else {
		c.drop(key)
	}
}

// store keeps an entry built by newEntry.
func (c *etagCache) store(e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.Used = c.now()
	if old, ok := c.entries[e.Key]; ok {
		c.size -= len(old.Body)
		if old.ETag == e.ETag && bytes.Equal(old.Body, e.Body) {
			c.entries[e.Key], c.size = e, c.size+len(e.Body)
			return // nothing new to save
		}
	}
	c.entries[e.Key] = e
	c.size += len(e.Body)
	c.dirty = true
	c.evict()
}

// evict drops the least recently used entries until the bounds hold.
// Callers hold mu.
func (c *etagCache) evict() {
	if c.size <= c.maxBytes && len(c.entries) <= maxEntries {
		return
	}
	all := make([]*entry, 0, len(c.entries))
	for _, e := range c.entries {
		all = append(all, e)
	}
	slices.SortFunc(all, func(a, b *entry) int { return a.Used.Compare(b.Used) })
	for _, e := range all {
		if c.size <= c.maxBytes && len(c.entries) <= maxEntries {
			break
		}
		c.size -= len(e.Body)
		delete(c.entries, e.Key)
	}
}

// response rebuilds a 200 from a cached entry for an answer of 304: the
// cached body and headers, with the 304's own rate-limit headers, request
// id and date, which are today's.
func (e *entry) response(req *http.Request, notModified *http.Response) *http.Response {
	h := e.Header.Clone()
	for _, k := range []string{hdrLimit, hdrRemaining, hdrReset, hdrResource, "X-RateLimit-Used", "X-GitHub-Request-Id", "Date"} {
		if v := notModified.Header.Values(k); len(v) > 0 {
			h[http.CanonicalHeaderKey(k)] = slices.Clone(v)
		}
	}
	h.Set(hdrRevalidated, "1")
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK,
		Proto: notModified.Proto, ProtoMajor: notModified.ProtoMajor, ProtoMinor: notModified.ProtoMinor,
		Header: h, Body: io.NopCloser(bytes.NewReader(e.Body)), ContentLength: int64(len(e.Body)),
		Request: req,
	}
}

// hdrRevalidated marks an answer rebuilt from the cache after a 304.
const hdrRevalidated = "X-Flightdeck-Revalidated"

// cacheFile is the persisted form.
type cacheFile struct {
	Version int      `json:"version"`
	Entries []*entry `json:"entries"`
}

// load reads the persisted cache. A file that is missing, unreadable or
// from another version is an empty cache: it only ever saves requests.
func (c *etagCache) load() {
	f, err := os.Open(c.path)
	if err != nil {
		return
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return
	}
	var cf cacheFile
	if json.NewDecoder(io.LimitReader(zr, 4*int64(c.maxBytes))).Decode(&cf) != nil || cf.Version != cacheVersion {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range cf.Entries {
		if e == nil || e.Key == "" || e.ETag == "" || len(e.Body) > maxEntryBytes {
			continue
		}
		if old, ok := c.entries[e.Key]; ok {
			c.size -= len(old.Body)
		}
		c.entries[e.Key] = e
		c.size += len(e.Body)
	}
	c.evict()
}

// Save writes the cache if it changed since the last Save: to a temporary
// file in the same directory, synced, then renamed over the old one, so a
// crash leaves the old file or the new one, never half of one. The file
// is readable by its owner only.
func (c *etagCache) Save() error {
	if c.path == "" {
		return nil
	}
	c.saving.Lock()
	defer c.saving.Unlock()
	c.mu.Lock()
	if !c.dirty {
		c.mu.Unlock()
		return nil
	}
	cf := cacheFile{Version: cacheVersion, Entries: make([]*entry, 0, len(c.entries))}
	for _, e := range c.entries {
		cp := *e
		cf.Entries = append(cf.Entries, &cp)
	}
	c.dirty = false
	c.mu.Unlock()
	slices.SortFunc(cf.Entries, func(a, b *entry) int { return strings.Compare(a.Key, b.Key) })

	if err := writeAtomic(c.path, func(w io.Writer) error {
		zw := gzip.NewWriter(w)
		if err := json.NewEncoder(zw).Encode(cf); err != nil {
			return err
		}
		return zw.Close()
	}); err != nil {
		c.mu.Lock()
		c.dirty = true
		c.mu.Unlock()
		return fmt.Errorf("GitHub: saving the request cache: %w", err)
	}
	return nil
}

func writeAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(0o600); err != nil && !errors.Is(err, fs.ErrPermission) {
		return err
	}
	if err := write(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// stats reports the number of entries and the bytes of their bodies.
func (c *etagCache) stats() (entries, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.size
}
