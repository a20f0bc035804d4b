package githubactions

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
)

func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	clock := fakeclock.New(t0)
	c := newETagCache("", 100, clock.Now)
	h := http.Header{"Etag": {`"x"`}, "Content-Type": {"application/json"}, "Authorization": {"Bearer secret"}, "Set-Cookie": {"a=b"}}
	for i := range 3 {
		clock.Advance(time.Second)
		c.put(fmt.Sprint(i), h, []byte(strings.Repeat("x", 30)))
	}
	clock.Advance(time.Second)
	c.touch(c.get("0"))
	for _, k := range []string{"3", "4"} {
		clock.Advance(time.Second)
		c.put(k, h, []byte(strings.Repeat("x", 30)))
	}
	n, size := c.stats()
	if n != 3 || size != 90 || c.get("0") == nil || c.get("1") != nil || c.get("2") != nil || c.get("3") == nil || c.get("4") == nil {
		t.Errorf("after eviction: %d entries, %d bytes", n, size)
	}
	if e := c.get("4"); e.Header.Get("Authorization") != "" || e.Header.Get("Set-Cookie") != "" || e.Header.Get("Content-Type") == "" {
		t.Errorf("stored headers: %v", e.Header)
	}
	// Too big to keep, or no ETag: not kept, and an older copy goes.
	c.put("0", h, make([]byte, maxEntryBytes+1))
	c.put("4", http.Header{}, []byte("{}"))
	if c.get("0") != nil || c.get("4") != nil {
		t.Error("kept an answer it should not")
	}
}

func TestCacheFileSurvivesCorruptionAndWritesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, CacheFile)
	if err := os.WriteFile(path, []byte("not gzip"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := newETagCache(dir, 0, time.Now)
	if n, _ := c.stats(); n != 0 {
		t.Fatalf("loaded %d entries from a corrupt file", n)
	}
	c.put("k", http.Header{"Etag": {`"1"`}}, []byte(`{"a":1}`))
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != CacheFile {
		t.Errorf("left behind: %v", entries)
	}
	again := newETagCache(dir, 0, time.Now)
	if e := again.get("k"); e == nil || string(e.Body) != `{"a":1}` || e.ETag != `"1"` {
		t.Errorf("reloaded: %+v", e)
	}
	// Saving with nothing new writes nothing.
	fi, _ := os.Stat(path)
	if err := again.Save(); err != nil {
		t.Fatal(err)
	}
	if fi2, _ := os.Stat(path); !fi2.ModTime().Equal(fi.ModTime()) {
		t.Error("rewrote an unchanged cache")
	}
}

// A 304 gives back the cached body with its Link header (pages) and the
// 304's own, fresh rate-limit headers; other methods are never cached.
func TestTransportRevalidates(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set(hdrLimit, "5000")
		w.Header().Set(hdrReset, "1900000000")
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.Header().Set(hdrRemaining, "4999")
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set(hdrRemaining, "4998")
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Link", `<`+"http://x/?page=2"+`>; rel="next"`)
		fmt.Fprint(w, `{"n":1}`)
	}))
	defer srv.Close()
	m := &meter{}
	tr := &transport{next: http.DefaultTransport, cache: newETagCache("", 0, time.Now), meter: m, sec: newSecondary(), now: time.Now}
	hc := &http.Client{Transport: tr}
	// Each GET is made under a ledger that its reader commits: only
	// answers read that way are cached.
	get := func() *http.Response {
		p := tr.cache.begin(nil)
		req, _ := http.NewRequestWithContext(withPending(ctx, p), http.MethodGet, srv.URL+"/repos/a/b", nil)
		req.Header.Set("Authorization", "Bearer x")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		p.commit()
		return resp
	}
	get().Body.Close()
	resp := get()
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	body := string(b)
	if resp.StatusCode != 200 || resp.Header.Get("Link") == "" || resp.Header.Get(hdrRemaining) != "4999" ||
		resp.Header.Get(hdrRevalidated) != "1" || body != `{"n":1}` {
		t.Errorf("revalidated answer: %d %v %q", resp.StatusCode, resp.Header, body)
	}
	if sent, nm := m.counts(); sent != 2 || nm != 1 {
		t.Errorf("counts %d sent, %d 304", sent, nm)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/repos/a/b", nil)
	post, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	post.Body.Close()
	if post.StatusCode != 200 || post.Header.Get(hdrRevalidated) != "" {
		t.Errorf("POST: %d %v", post.StatusCode, post.Header)
	}
}
