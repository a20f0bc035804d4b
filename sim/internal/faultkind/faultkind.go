// Package faultkind names the injected faults whose answer each protocol
// writes in its own shape (a 5xx, a throttle, a denial); the mux decides
// which fault a request gets, the protocol what it looks like.
package faultkind

// Kind is a fault answered in the protocol's own error shape.
type Kind int

const (
	ServerError Kind = iota // the service failed
	Throttle                // too many requests: wait and retry
	Deny                    // the credentials may not do this
)
