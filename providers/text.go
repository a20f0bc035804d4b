package providers

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/secret"
)

// OneLine is how a provider keeps a server's words (an error message) for
// a cell or a line: secrets scrubbed first, while they are still whole,
// then white space flattened, then cut to at most n bytes on a character
// boundary, with "…" when cut. Cutting first would leave a token's first
// bytes behind, where no scrubber could recognise them.
func OneLine(s string, n int) string {
	s = strings.Join(strings.Fields(secret.Scrub(s)), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// EnvFailed is the status of an environment that could not be read: its
// error and nothing else, so nothing on it can be taken for data, and
// Missing when the error is that what the config names does not exist.
func EnvFailed(key model.EnvKey, err error) model.EnvStatus {
	return model.EnvStatus{Service: key.Service, Environment: key.Environment, Error: err.Error(), Missing: errors.Is(err, ErrNotFound)}
}
