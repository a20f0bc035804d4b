// Package awstest is test support only, for the AWS backends' tests: it
// keeps them hermetic (Main) and runs moto_server, the AWS emulator on the
// machine image, for a test on a free loopback port (Start).
package awstest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Start runs moto_server on a free loopback port for the test and
// returns its URL; env is added to its environment. It skips the test
// when moto_server is not installed (fails instead when
// FLIGHTDECK_REQUIRE_MOTO=1). The server ends with the test.
func Start(t testing.TB, env ...string) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		if os.Getenv("FLIGHTDECK_REQUIRE_MOTO") == "1" {
			t.Fatalf("moto_server not on PATH and FLIGHTDECK_REQUIRE_MOTO=1")
		}
		t.Skip("moto_server not on PATH: skipping the moto half (set FLIGHTDECK_REQUIRE_MOTO=1 to make this a failure)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &syncWriter{w: &logs}, &syncWriter{w: &logs}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto_server: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		// moto_server was started in its own process group: end that group.
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	})

	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case <-done:
			t.Fatalf("moto_server exited: %s", logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not answer on %s: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return url
}

type syncWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// Main runs a package's tests hermetically, then exits: no AWS
// configuration, profile, region, endpoint or keys from the machine
// running them, and no instance metadata.
func Main(m *testing.M) {
	dir, err := os.MkdirTemp("", "flightdeck-aws-test")
	if err != nil {
		panic(err)
	}
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ECS", "AWS_ENDPOINT_URL_ELASTIC_BEANSTALK",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		os.Unsetenv(k)
	}
	os.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
