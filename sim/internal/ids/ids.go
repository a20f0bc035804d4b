// Package ids makes the identifiers the simulated services hand out: hex
// SHAs, digit strings, UUIDs, and the mixed-case ids AWS and GitHub use,
// drawn from the world's random source so the same seed gives the same
// ids, or derived from names where an id must not draw on it.
package ids

import (
	"crypto/sha1"
	"encoding/hex"
	"hash/fnv"
	"math/rand/v2"
	"strings"
)

// HexDigits are the digits Hex draws from.
const HexDigits = "0123456789abcdef"

// Hex is n random lowercase hex digits.
func Hex(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = HexDigits[r.IntN(16)]
	}
	return string(b)
}

// Digits is n random decimal digits, the first not 0.
func Digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b)
}

// UUID is a random (version 4) UUID.
func UUID(r *rand.Rand) string {
	h := []byte(Hex(r, 32))
	h[12] = '4'
	h[16] = "89ab"[r.IntN(4)]
	s := string(h)
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

// NameUUID is a UUID (version 5 layout) derived from its parts, for ids
// that must be stable without drawing on the world's random source: a
// person's user id, an approval request's id.
func NameUUID(parts ...string) string {
	sum := sha1.Sum([]byte(strings.Join(parts, "\x00")))
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	h := hex.EncodeToString(sum[:16])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Hash is a stable number from strings, for ids and choices that must
// not draw on the world's random source.
func Hash(parts ...string) uint32 {
	h := fnv.New32a()
	for _, s := range parts {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return h.Sum32()
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// Mixed is n random letters and digits.
func Mixed(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = idAlphabet[r.IntN(len(idAlphabet))]
	}
	return string(b)
}
